/// The ways every incremental decoder is fed in tests: all at once, byte by byte, and random
/// splits from a fixed seed (so a failure reproduces).
enum ChunkSplits {
  /// Named splittings of `input`.
  static func all(_ input: [UInt8], seeds: ClosedRange<UInt64> = 1...8) -> [(String, [[UInt8]])] {
    var result: [(String, [[UInt8]])] = [
      ("all at once", [input]),
      ("byte by byte", input.map { [$0] }),
    ]
    for seed in seeds {
      result.append(("random seed \(seed)", random(input, seed: seed)))
    }
    return result
  }

  static func random(_ input: [UInt8], seed: UInt64) -> [[UInt8]] {
    var rng = SplitMix64(seed: seed)
    var chunks: [[UInt8]] = []
    var index = 0
    while index < input.count {
      let size = Int(rng.next() % 9)  // empty chunks included on purpose
      let end = min(input.count, index + size)
      chunks.append(Array(input[index..<end]))
      index = end
    }
    return chunks
  }
}

/// A small deterministic generator.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
