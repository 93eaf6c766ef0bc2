import Foundation

/// Just enough protobuf to build and read the reference agent's messages in tests.
struct ProtoWriter {
  private(set) var bytes: [UInt8] = []

  mutating func varint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  mutating func uint(_ field: Int, _ value: UInt64) {
    guard value != 0 else { return }
    varint(UInt64(field << 3))
    varint(value)
  }

  mutating func bool(_ field: Int, _ value: Bool) { uint(field, value ? 1 : 0) }

  mutating func bytes(_ field: Int, _ value: [UInt8]) {
    varint(UInt64(field << 3 | 2))
    varint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }
}

/// Reads fields of a message: (field number, wire type, varint value or bytes).
struct ProtoReader {
  enum Value: Equatable {
    case varint(UInt64)
    case bytes([UInt8])
  }

  static func fields(_ message: [UInt8]) -> [(Int, Value)] {
    var result: [(Int, Value)] = []
    var index = 0
    func varint() -> UInt64? {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while index < message.count {
        let byte = message[index]
        index += 1
        value |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
      }
      return nil
    }
    while index < message.count {
      guard let key = varint() else { break }
      switch key & 7 {
      case 0:
        guard let value = varint() else { return result }
        result.append((Int(key >> 3), .varint(value)))
      case 2:
        guard let length = varint(), index + Int(length) <= message.count else { return result }
        result.append((Int(key >> 3), .bytes(Array(message[index..<index + Int(length)]))))
        index += Int(length)
      case 1: index += 8
      case 5: index += 4
      default: return result
      }
    }
    return result
  }
}

/// gRPC-Web framing for tests: request frames, and a response split into messages and trailers.
enum GRPCWeb {
  static func frame(_ message: [UInt8], flag: UInt8 = 0) -> [UInt8] {
    let length = UInt32(message.count)
    return [flag, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
            UInt8(length & 0xFF)] + message
  }

  struct Response {
    var messages: [[UInt8]] = []
    var trailers: [String: String] = [:]
    var trailerFrames = 0
  }

  static func parse(_ body: [UInt8]) -> Response? {
    var response = Response()
    var index = 0
    while index < body.count {
      guard index + 5 <= body.count else { return nil }
      let flag = body[index]
      let length = Int(body[index + 1]) << 24 | Int(body[index + 2]) << 16
        | Int(body[index + 3]) << 8 | Int(body[index + 4])
      index += 5
      guard index + length <= body.count else { return nil }
      let payload = Array(body[index..<index + length])
      index += length
      if flag & 0x80 != 0 {
        response.trailerFrames += 1
        for line in String(decoding: payload, as: UTF8.self).components(separatedBy: "\r\n") {
          guard let colon = line.firstIndex(of: ":") else { continue }
          response.trailers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...])
            .trimmingCharacters(in: .whitespaces)
        }
      } else {
        response.messages.append(payload)
      }
    }
    return response
  }
}
