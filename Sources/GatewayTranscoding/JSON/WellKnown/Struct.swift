/// `google.protobuf.Struct`, `Value` and `ListValue`: arbitrary JSON. A Struct is an object, a
/// ListValue an array, a Value any JSON value (`null` is `NullValue`, numbers are doubles).
///
/// On output a Value with no kind set is `null`, and a non-finite `number_value` is an error
/// (JSON has no such number, and the quoted names would read back as strings).
extension JSONMessageDecoder {
  mutating func decodeStruct(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    guard try scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "an object") }
    let fieldsIndex = try descriptor.wellKnownField(1)
    let valueType = try structValueType(descriptor, fieldsIndex)
    var map = ProtoMap()
    if !(try scanner.enterObject()) {
      repeat {
        let keyText = scanner.string(try scanner.readKey())
        do throws(TranscodingError) {
          if map[.string(keyText)] != nil { throw TranscodingError.invalid("key given twice") }
          map.set(.string(keyText), .message(try decodeValue(type: valueType, pool.messages[valueType])))
        } catch {
          throw error.prefixed(mapKey: keyText)
        }
      } while try scanner.nextMember()
    }
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    message.values[fieldsIndex] = .map(map)
    return message
  }

  /// The `Value` type of a Struct's `fields` map.
  private func structValueType(
    _ descriptor: MessageDescriptor, _ fieldsIndex: Int
  ) throws(TranscodingError) -> Int {
    guard let entryType = descriptor.fields[fieldsIndex].messageType,
      pool.messages.indices.contains(entryType),
      let valueIndex = pool.messages[entryType].indexOfField(2),
      let valueType = pool.messages[entryType].fields[valueIndex].messageType,
      pool.messages.indices.contains(valueType)
    else { throw .invalid("the schema's google.protobuf.Struct has no Value map") }
    return valueType
  }

  mutating func decodeValue(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    switch try scanner.peek() {
    case UInt8(ascii: "n"):
      _ = try scanner.consumeNull()
      message.values[try descriptor.wellKnownField(1)] = .enumNumber(0)
    case UInt8(ascii: "t"), UInt8(ascii: "f"):
      let flag = try scanner.consumeBool() ?? false
      message.values[try descriptor.wellKnownField(4)] = .bool(flag)
    case UInt8(ascii: "\""):
      let text = scanner.string(try scanner.readStringToken())
      message.values[try descriptor.wellKnownField(3)] = .string(text)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      let isObject = try scanner.peek() == UInt8(ascii: "{")
      let index = try descriptor.wellKnownField(isObject ? 5 : 6)
      guard let nestedType = descriptor.fields[index].messageType,
        pool.messages.indices.contains(nestedType)
      else { throw .invalid("the schema's google.protobuf.Value has no struct or list field") }
      let nested = pool.messages[nestedType]
      message.values[index] = .message(
        isObject
          ? try decodeStruct(type: nestedType, nested)
          : try decodeListValue(type: nestedType, nested))
    default:
      let number = try scanner.readNumberToken().double(in: scanner.bytes)
      guard number.isFinite else { throw .invalid("number out of range for a double") }
      message.values[try descriptor.wellKnownField(2)] = .double(number)
    }
    return message
  }

  mutating func decodeListValue(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    guard try scanner.peek() == UInt8(ascii: "[") else { throw mismatch(expected: "an array") }
    let valuesIndex = try descriptor.wellKnownField(1)
    guard let valueType = descriptor.fields[valuesIndex].messageType,
      pool.messages.indices.contains(valueType)
    else { throw .invalid("the schema's google.protobuf.ListValue has no Value list") }
    var list: [ProtoValue] = []
    if !(try scanner.enterArray()) {
      repeat {
        do throws(TranscodingError) {
          list.append(.message(try decodeValue(type: valueType, pool.messages[valueType])))
        } catch {
          throw error.prefixed(index: list.count)
        }
      } while try scanner.nextElement()
    }
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    message.values[valuesIndex] = .list(list)
    return message
  }
}

extension JSONMessageEncoder {
  func writeStruct(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    output.append(UInt8(ascii: "{"))
    if case .map(let map)? = message.wellKnownValue(1, descriptor) {
      let keys = map.keys
      let values = map.values
      for index in 0..<keys.count {
        guard case .string(let key) = keys[index], case .message(let value) = values[index] else {
          throw .unencodable("google.protobuf.Struct entry is not a string key with a Value")
        }
        if index > 0 { output.append(UInt8(ascii: ",")) }
        output.appendJSONString(key)
        output.append(UInt8(ascii: ":"))
        do throws(TranscodingError) {
          try writeMessageValue(value, to: &output)
        } catch {
          throw error.prefixed(mapKey: key)
        }
      }
    }
    output.append(UInt8(ascii: "}"))
  }

  func writeValue(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    for number: Int32 in 1...6 {
      guard let value = message.wellKnownValue(number, descriptor) else { continue }
      switch value {
      case .double(let number):
        guard number.isFinite else {
          throw .unencodable("google.protobuf.Value cannot hold \(number): JSON has no such number")
        }
        output.appendJSONDouble(number)
      case .string(let text): output.appendJSONString(text)
      case .bool(let flag): output.appendASCII(flag ? "true" : "false")
      case .message(let nested): try writeMessageValue(nested, to: &output)
      default: output.appendASCII("null")  // null_value
      }
      return
    }
    output.appendASCII("null")
  }

  func writeListValue(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    output.append(UInt8(ascii: "["))
    if case .list(let list)? = message.wellKnownValue(1, descriptor) {
      for index in 0..<list.count {
        guard case .message(let value) = list[index] else {
          throw .unencodable("google.protobuf.ListValue element is not a Value")
        }
        if index > 0 { output.append(UInt8(ascii: ",")) }
        do throws(TranscodingError) {
          try writeMessageValue(value, to: &output)
        } catch {
          throw error.prefixed(index: index)
        }
      }
    }
    output.append(UInt8(ascii: "]"))
  }
}
