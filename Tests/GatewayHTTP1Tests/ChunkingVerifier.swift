import GatewayHTTP1
import Testing

/// A seedable generator (SplitMix64) so random splits are reproducible.
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

/// The outcome of parsing one input: events (adjacent body parts merged) and the error, if any.
struct ParseOutcome: Equatable, CustomStringConvertible {
  var events: [HTTPRequestParserEvent]
  var error: HTTPParserError?

  var description: String {
    let rendered = events.map { event -> String in
      switch event {
      case .head(let head): "head(\(head.method) \(head.target) \(head.version))"
      case .bodyPart(let bytes): "body(\(String(decoding: bytes, as: UTF8.self)))"
      case .end: "end"
      }
    }
    return "\(rendered) error: \(error.map { "\($0.code)" } ?? "none")"
  }
}

/// How the input is cut into appends (style item 5).
enum Split: CustomStringConvertible, CaseIterable {
  case allAtOnce, byteByByte, random1, random2, random3

  var description: String {
    switch self {
    case .allAtOnce: "all at once"
    case .byteByByte: "byte by byte"
    case .random1: "random splits (seed 1)"
    case .random2: "random splits (seed 2)"
    case .random3: "random splits (seed 3)"
    }
  }

  func pieces(of input: [UInt8]) -> [[UInt8]] {
    switch self {
    case .allAtOnce: return [input]
    case .byteByByte: return input.map { [$0] }
    case .random1, .random2, .random3:
      let seed: UInt64 = self == .random1 ? 1 : self == .random2 ? 2 : 3
      var generator = SplitMix64(seed: seed)
      var pieces: [[UInt8]] = []
      var index = 0
      while index < input.count {
        let length = Int.random(in: 1...7, using: &generator)
        let end = min(index + length, input.count)
        pieces.append(Array(input[index..<end]))
        index = end
      }
      return pieces
    }
  }
}

/// Feeds `input` in the pieces `split` makes, alternating the two append overloads, pulling
/// every event after each append; merges adjacent body parts.
func parse(
  _ input: [UInt8], split: Split, limits: HTTPParserLimits = HTTPParserLimits()
) -> ParseOutcome {
  var parser = HTTPRequestParser(limits: limits)
  var outcome = ParseOutcome(events: [], error: nil)
  for (number, piece) in split.pieces(of: input).enumerated() {
    if number.isMultiple(of: 2) {
      parser.append(piece)
    } else {
      piece.withUnsafeBytes { parser.append($0) }
    }
    do {
      while let event = try parser.next() {
        if case .bodyPart(let bytes) = event {
          #expect(!bytes.isEmpty, "empty body part")
          if case .bodyPart(let previous)? = outcome.events.last {
            outcome.events[outcome.events.count - 1] = .bodyPart(previous + bytes)
            continue
          }
        }
        outcome.events.append(event)
      }
    } catch {
      outcome.error = error
      return outcome
    }
  }
  return outcome
}

/// Parses `input` in every split and requires identical outcomes; returns the outcome.
func parseInEverySplit(
  _ input: String, limits: HTTPParserLimits = HTTPParserLimits(),
  sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
  let bytes = Array(input.utf8)
  let reference = parse(bytes, split: .allAtOnce, limits: limits)
  for split in Split.allCases.dropFirst() {
    let outcome = parse(bytes, split: split, limits: limits)
    #expect(outcome == reference, "\(split) differs", sourceLocation: sourceLocation)
  }
  return reference
}

/// Asserts every split of `input` fails with `code`, and returns the events before the error.
@discardableResult
func expectParseError(
  _ input: String, _ code: HTTPParserError.Code, limits: HTTPParserLimits = HTTPParserLimits(),
  sourceLocation: SourceLocation = #_sourceLocation
) -> [HTTPRequestParserEvent] {
  let outcome = parseInEverySplit(input, limits: limits, sourceLocation: sourceLocation)
  #expect(outcome.error?.code == code, "\(outcome)", sourceLocation: sourceLocation)
  return outcome.events
}

/// The body bytes of a `.bodyPart` as text.
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
