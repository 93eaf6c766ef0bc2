import GatewayTranscoding
import Testing

@Suite struct ProtoMapTests {
  @Test func laterEntryWithTheSameKeyReplacesTheValueInPlace() {
    var map = ProtoMap()
    map.set(.string("a"), .int32(1))
    map.set(.string("b"), .int32(2))
    map.set(.string("a"), .int32(3))
    #expect(map.keys == [.string("a"), .string("b")])
    guard case .int32(let value)? = map[.string("a")] else { Issue.record("missing"); return }
    #expect(value == 3)
  }
}
