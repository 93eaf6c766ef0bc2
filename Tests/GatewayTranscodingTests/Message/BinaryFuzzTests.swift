import GatewayTranscoding
import Testing

/// Hostile bytes: every outcome must be a value or a thrown error, never a crash or a hang.
@Suite struct BinaryFuzzTests {
  @Test func everyTruncationOfAValidMessage() throws {
    let pool = try Fixtures.pool()
    let type = try #require(pool.message(named: Fixtures.allTypes))
    let bytes = try BinaryCodecTests.sample(pool).binary(pool: pool)
    var failures = 0
    for length in 0..<bytes.count {
      do { _ = try decode(Array(bytes[0..<length]), type, pool) } catch { failures += 1 }
    }
    // Most prefixes end inside a value.
    #expect(failures > bytes.count / 2)
  }

  @Test func randomMutationsOfAValidMessage() throws {
    let pool = try Fixtures.pool()
    let type = try #require(pool.message(named: Fixtures.allTypes))
    let bytes = try BinaryCodecTests.sample(pool).binary(pool: pool)
    var random = SeededGenerator(seed: 7)
    for _ in 0..<2000 {
      var mutated = bytes
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(
          in: 0...255, using: &random)
      }
      if let message = try? decode(mutated, type, pool) {
        // Whatever decodes re-encodes and decodes again to the same bytes.
        let again = message.binary(pool: pool)
        #expect((try? decode(again, type, pool))?.binary(pool: pool) == again)
      }
    }
  }

  @Test func randomBytes() throws {
    let pool = try Fixtures.pool()
    var random = SeededGenerator(seed: 1234)
    let types = pool.messages.indices.map { $0 }
    for _ in 0..<5000 {
      let count = Int.random(in: 0...48, using: &random)
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
      let type = types[Int.random(in: 0..<types.count, using: &random)]
      _ = try? decode(bytes, type, pool)
    }
  }
}
