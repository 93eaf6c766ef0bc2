import GatewayCore
import Testing

@Suite struct NDJSONLineSplitterTests {
  private func split(_ text: String, chunk: Int) throws -> [String] {
    var splitter = NDJSONLineSplitter(maxLineLength: 1024)
    let bytes = Array(text.utf8)
    var lines: [[UInt8]] = []
    var offset = 0
    while offset < bytes.count {
      let end = min(bytes.count, offset + chunk)
      lines += try splitter.append(bytes[offset..<end])
      offset = end
    }
    if let last = try splitter.finish() { lines.append(last) }
    return lines.map { String(decoding: $0, as: UTF8.self) }
  }

  @Test(arguments: [1, 2, 3, 7, 1000])
  func sameLinesWhateverTheChunking(chunk: Int) throws {
    let text = "{\"a\":1}\n\n{\"b\":2}\r\n  \n{\"c\":3}"
    #expect(try split(text, chunk: chunk) == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
  }

  @Test func trailingNewlineGivesNoEmptyLine() throws {
    #expect(try split("{}\n", chunk: 1) == ["{}"])
    #expect(try split("", chunk: 1) == [])
  }

  @Test func aLineOverTheLimitIsRejectedBeforeItEnds() {
    var splitter = NDJSONLineSplitter(maxLineLength: 4)
    #expect(throws: NDJSONLineSplitter.LineTooLong.self) {
      _ = try splitter.append(Array("12345".utf8))
    }
  }
}
