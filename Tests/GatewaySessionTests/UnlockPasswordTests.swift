import GatewaySession
import Testing

@Suite struct UnlockPasswordTests {
  /// The limit is the password whose credential is exactly 16 KiB of base64.
  @Test func theLongestPasswordMakesA16KiBCredential() {
    let longest = String(repeating: "p", count: UnlockPassword.maximumLength)
    #expect(UnlockPassword.maximumLength == 12_287)
    #expect(UnlockPassword.problem(longest) == nil)
    #expect(UnlockPassword.authorization(longest).utf8.count == "Basic ".utf8.count + 16 * 1024)
  }

  @Test(arguments: [12_288, 47_000, 65_000])
  func aLongerPasswordIsRefusedSayingWhy(length: Int) {
    let problem = UnlockPassword.problem(String(repeating: "p", count: length))
    #expect(problem?.contains("over 12287 bytes") == true, "\(problem ?? "nil")")
    #expect(problem?.contains("16 KiB") == true)
  }

  /// Counted in UTF-8 bytes, as it goes on the wire.
  @Test func multibyteCharactersCountAsTheirBytes() {
    let fits = String(repeating: "é", count: 6_143)  // 12,286 bytes
    #expect(UnlockPassword.problem(fits) == nil)
    #expect(UnlockPassword.problem(fits + "é") != nil)  // 12,288 bytes
  }

  @Test func emptyIsRefused() {
    #expect(UnlockPassword.problem("") == "is empty")
  }

  @Test func theCredentialIsPolykeysBasicForm() {
    #expect(UnlockPassword.authorization("pw") == "Basic OnB3")
  }
}
