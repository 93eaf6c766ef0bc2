import GatewayCore
import GatewayGRPC
import Testing

@Suite struct GRPCMessageFramerTests {
  @Test func framesWithBigEndianLength() throws {
    #expect(try GRPCMessageFramer.frame([0xAA, 0xBB]) == [0, 0, 0, 0, 2, 0xAA, 0xBB])
    #expect(try GRPCMessageFramer.frame([], compressed: true) == [1, 0, 0, 0, 0])
    var buffer: [UInt8] = [9]
    try GRPCMessageFramer.appendPrefix(flag: 0x80, length: 0x0102_0304, to: &buffer)
    #expect(buffer == [9, 0x80, 1, 2, 3, 4])
  }

  @Test func writesPrefixInPlace() throws {
    var buffer = [UInt8](repeating: 0xEE, count: 8)
    try GRPCMessageFramer.writePrefix(flag: 1, length: 300, into: &buffer, at: 2)
    #expect(buffer == [0xEE, 0xEE, 1, 0, 0, 1, 44, 0xEE])
  }

  @Test func rejectsLengthOverUInt32() {
    var buffer: [UInt8] = []
    #expect(throws: GRPCError.self) {
      try GRPCMessageFramer.appendPrefix(flag: 0, length: Int(UInt32.max) + 1, to: &buffer)
    }
    #expect(buffer.isEmpty)
  }
}

@Suite struct GRPCMessageDeframerTests {
  static let messages: [GRPCMessageDeframer.Message] = [
    .init(compressed: false, payload: Array("hello".utf8)),
    .init(compressed: false, payload: []),
    .init(compressed: true, payload: [1, 2, 3, 4, 5, 6, 7]),
    .init(compressed: false, payload: (0..<200).map { UInt8($0) }),
  ]

  static var stream: [UInt8] {
    messages.flatMap { try! GRPCMessageFramer.frame($0.payload, compressed: $0.compressed) }
  }

  @Test(arguments: ChunkSplits.all(stream))
  func sameMessagesForAnySplit(name: String, chunks: [[UInt8]]) throws {
    var deframer = GRPCMessageDeframer()
    var out: [GRPCMessageDeframer.Message] = []
    for chunk in chunks {
      deframer.append(chunk)
      while let message = try deframer.next() { out.append(message) }
    }
    #expect(out == Self.messages, "split: \(name)")
    #expect(deframer.bufferedByteCount == 0)
  }

  @Test(arguments: ChunkSplits.all(stream))
  func passThroughFramesForAnySplit(name: String, chunks: [[UInt8]]) throws {
    var deframer = GRPCMessageDeframer()
    var out: [UInt8] = []
    for chunk in chunks {
      deframer.append(chunk)
      out += try deframer.nextFrames()
    }
    #expect(out == Self.stream, "split: \(name)")
  }

  @Test func partialFrameIsNotConsumed() throws {
    var deframer = GRPCMessageDeframer()
    deframer.append([0, 0, 0, 0, 3, 0xA])
    #expect(try deframer.next() == nil)
    #expect(deframer.bufferedByteCount == 6)
    deframer.append([0xB, 0xC])
    #expect(try deframer.next() == .init(compressed: false, payload: [0xA, 0xB, 0xC]))
  }

  @Test func declaredLengthOverLimitFailsBeforePayload() throws {
    var deframer = GRPCMessageDeframer(maxMessageLength: 10)
    deframer.append([0, 0, 0, 0, 11])  // only the prefix: the payload never arrives
    let error = #expect(throws: GRPCError.self) { try deframer.next() }
    #expect(error?.code == .messageTooLarge)
    #expect(error?.statusCode == .resourceExhausted)
    // Sticky.
    #expect(throws: GRPCError.self) { try deframer.next() }
  }

  @Test func lengthAtLimitIsAccepted() throws {
    var deframer = GRPCMessageDeframer(maxMessageLength: 3)
    deframer.append([0, 0, 0, 0, 3, 1, 2, 3])
    #expect(try deframer.next()?.payload == [1, 2, 3])
  }

  @Test func hugeDeclaredLengthUsesDefaultLimit() throws {
    var deframer = GRPCMessageDeframer()
    deframer.append([0, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(throws: GRPCError.self) { try deframer.next() }
  }

  @Test(arguments: [UInt8(2), 0x80, 0x81, 0xFF])
  func invalidFlagIsProtocolError(flag: UInt8) throws {
    var deframer = GRPCMessageDeframer()
    deframer.append([flag, 0, 0, 0, 0])
    let error = #expect(throws: GRPCError.self) { try deframer.next() }
    #expect(error?.code == .invalidFrameFlag)
  }

  @Test func passThroughHandsOutGoodFramesBeforeError() throws {
    var deframer = GRPCMessageDeframer()
    deframer.append([0, 0, 0, 0, 1, 7, 9, 0, 0, 0, 0])
    #expect(try deframer.nextFrames() == [0, 0, 0, 0, 1, 7])
    #expect(throws: GRPCError.self) { try deframer.nextFrames() }
  }
}
