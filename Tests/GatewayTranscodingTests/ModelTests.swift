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

@Suite struct ProtoMapIndexTests {
  /// Past the linear-scan limit the hash index takes over; order and last-wins still hold.
  @Test func largeMapsKeepOrderAndReplaceInPlace() {
    var map = ProtoMap()
    for i in 0..<50 { map.set(.int64(Int64(i)), .int32(Int32(i))) }
    for i in stride(from: 0, to: 50, by: 7) { map.set(.int64(Int64(i)), .int32(-1)) }
    #expect(map.count == 50)
    #expect(map.keys == (0..<50).map { .int64(Int64($0)) })
    guard case .int32(-1)? = map[.int64(49)], case .int32(48)? = map[.int64(48)] else {
      Issue.record("wrong values")
      return
    }
    #expect(map[.int64(50)] == nil)
  }
}
