import GatewayHTTP1
import Testing

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
  @Test func lookupIgnoresCaseAndKeepsOrder() {
    let headers: HTTPHeaders = [
      "Grpc-Metadata-Trace": "a", "Accept": "*/*", "grpc-metadata-TRACE": "b",
    ]
    #expect(headers["GRPC-METADATA-TRACE"] == "a")
    #expect(headers.values(for: "grpc-metadata-trace") == ["a", "b"])
    #expect(headers["grpc-metadata-trac"] == nil)
    #expect(headers.contains(name: "accept"))
    #expect(headers.count == 3)
  }

  @Test func replaceOrAddKeepsTheFirstPosition() {
    var headers: HTTPHeaders = ["A": "1", "B": "2", "a": "3", "C": "4"]
    headers.replaceOrAdd(name: "a", value: "new")
    #expect(headers.fields.map(\.name) == ["A", "B", "C"])
    #expect(headers["A"] == "new")
    headers.replaceOrAdd(name: "D", value: "5")
    #expect(headers.fields.last == .init(name: "D", value: "5"))
  }

  @Test func removeDropsEveryCase() {
    var headers: HTTPHeaders = ["Authorization": "x", "b": "1", "AUTHORIZATION": "y"]
    headers.remove(name: "authorization")
    #expect(headers.fields == [.init(name: "b", value: "1")])
  }

  @Test func tokensAreFoundInLists() {
    let headers: HTTPHeaders = ["Connection": "Upgrade , KEEP-ALIVE", "connection": "te"]
    #expect(headers.containsToken("keep-alive", in: "connection"))
    #expect(headers.containsToken("TE", in: "Connection"))
    #expect(!headers.containsToken("close", in: "connection"))
    #expect(!headers.containsToken("keep", in: "connection"))
  }
}
