/// Writes gRPC's 5-byte length prefix: a flag byte, then the payload length as a big-endian
/// `UInt32`.
///
/// The writers that take a buffer let a caller reserve 5 bytes, write the payload after them and
/// fill the prefix in last, so a message is never copied just to be framed.
public enum GRPCMessageFramer {
  /// The length of the prefix.
  public static let prefixLength = 5
  /// Flag of an uncompressed message.
  public static let uncompressedFlag: UInt8 = 0
  /// Flag of a message compressed with the call's `grpc-encoding`.
  public static let compressedFlag: UInt8 = 1

  /// Writes the prefix into the first 5 bytes of `buffer`.
  ///
  /// - Throws: `.messageTooLarge` when `length` does not fit in a `UInt32`.
  public static func writePrefix(
    flag: UInt8, length: Int, into buffer: UnsafeMutableRawBufferPointer
  ) throws(GRPCError) {
    precondition(buffer.count >= prefixLength, "a gRPC prefix needs 5 bytes")
    guard let length32 = UInt32(exactly: length) else { throw tooLarge(length) }
    store(flag: flag, length: length32, into: buffer)
  }

  private static func store(
    flag: UInt8, length length32: UInt32, into buffer: UnsafeMutableRawBufferPointer
  ) {
    buffer[0] = flag
    buffer[1] = UInt8(truncatingIfNeeded: length32 >> 24)
    buffer[2] = UInt8(truncatingIfNeeded: length32 >> 16)
    buffer[3] = UInt8(truncatingIfNeeded: length32 >> 8)
    buffer[4] = UInt8(truncatingIfNeeded: length32)
  }

  /// Writes the prefix into `buffer[index..<index + 5]`, which must exist.
  public static func writePrefix(
    flag: UInt8, length: Int, into buffer: inout [UInt8], at index: Int
  ) throws(GRPCError) {
    precondition(index >= 0 && index + prefixLength <= buffer.count, "prefix out of bounds")
    guard let length32 = UInt32(exactly: length) else { throw tooLarge(length) }
    buffer.withUnsafeMutableBytes { raw in
      store(
        flag: flag, length: length32, into: UnsafeMutableRawBufferPointer(rebasing: raw[index...]))
    }
  }

  /// Appends the prefix for a payload of `length` bytes to `buffer`.
  public static func appendPrefix(
    flag: UInt8, length: Int, to buffer: inout [UInt8]
  ) throws(GRPCError) {
    guard UInt32(exactly: length) != nil else { throw tooLarge(length) }
    let index = buffer.count
    buffer.append(contentsOf: repeatElement(0, count: prefixLength))
    try writePrefix(flag: flag, length: length, into: &buffer, at: index)
  }

  /// Appends a whole frame (prefix and `message`) to `buffer`.
  public static func append(
    message: UnsafeRawBufferPointer, compressed: Bool = false, to buffer: inout [UInt8]
  ) throws(GRPCError) {
    buffer.reserveCapacity(buffer.count + prefixLength + message.count)
    try appendPrefix(
      flag: compressed ? compressedFlag : uncompressedFlag, length: message.count, to: &buffer)
    buffer.append(contentsOf: message)
  }

  /// A new buffer holding `message` framed.
  public static func frame(_ message: [UInt8], compressed: Bool = false) throws(GRPCError)
    -> [UInt8]
  {
    var out: [UInt8] = []
    out.reserveCapacity(prefixLength + message.count)
    try appendPrefix(
      flag: compressed ? compressedFlag : uncompressedFlag, length: message.count, to: &out)
    out.append(contentsOf: message)
    return out
  }

  private static func tooLarge(_ length: Int) -> GRPCError {
    GRPCError(code: .messageTooLarge, message: "message of \(length) bytes cannot be framed")
  }
}
