extension ProtoValue {
  /// The proto3 default of a non-message type (message fields have no scalar default).
  static func defaultValue(of type: FieldType) -> ProtoValue {
    switch type {
    case .int32, .sint32, .sfixed32: .int32(0)
    case .int64, .sint64, .sfixed64: .int64(0)
    case .uint32, .fixed32: .uint32(0)
    case .uint64, .fixed64: .uint64(0)
    case .float: .float(0)
    case .double: .double(0)
    case .bool: .bool(false)
    case .string: .string("")
    case .bytes: .bytes([])
    case .enum: .enumNumber(0)
    case .message, .group: .bytes([])
    }
  }
}

extension TranscodingError {
  static func malformed(_ message: String) -> TranscodingError {
    TranscodingError(.malformedBinary, message)
  }
}

/// `WireReader` reads that report `TranscodingError.malformedBinary`.
extension WireReader {
  @inline(__always)
  mutating func decodeTag() throws(TranscodingError) -> (Int32, WireType) {
    do { return try readTag() } catch { throw .malformed(error.description) }
  }

  @inline(__always)
  mutating func decodeVarint() throws(TranscodingError) -> UInt64 {
    do { return try readVarint() } catch { throw .malformed(error.description) }
  }

  @inline(__always)
  mutating func decodeFixed32() throws(TranscodingError) -> UInt32 {
    do { return try readFixed32() } catch { throw .malformed(error.description) }
  }

  @inline(__always)
  mutating func decodeFixed64() throws(TranscodingError) -> UInt64 {
    do { return try readFixed64() } catch { throw .malformed(error.description) }
  }

  @inline(__always)
  mutating func decodeLengthDelimited() throws(TranscodingError)
    -> UnsafeRawBufferPointer
  {
    do { return try readLengthDelimited() } catch { throw .malformed(error.description) }
  }

  mutating func decodeSkip(
    _ number: Int32, _ wireType: WireType
  ) throws(TranscodingError) {
    do { try skipField(fieldNumber: number, wireType: wireType) } catch {
      throw .malformed(error.description)
    }
  }
}
