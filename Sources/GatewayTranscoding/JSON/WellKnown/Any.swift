/// `google.protobuf.Any`: `{"@type": "type.googleapis.com/pkg.Msg", ...fields of Msg}`, or for
/// a well-known type with a special form `{"@type": ..., "value": <that form>}`. `{}` is an
/// empty Any.
///
/// The type is the pool's message named by the URL's text after the last `/`; an unknown type
/// is an error both ways. `@type` may come anywhere in the object, so the decoder finds it in
/// a first pass over the object and decodes the members in a second. The payload is the inner
/// message's binary encoding (`AnyPayload`).
extension JSONMessageDecoder {
  mutating func decodeAny(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    guard try scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "an object") }
    let urlIndex = try descriptor.wellKnownField(1)
    let valueIndex = try descriptor.wellKnownField(2)
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)

    // First pass, on a copy of the scanner: find "@type".
    var probe = scanner
    var url: String?
    if try probe.enterObject() {
      scanner = probe
      return message
    }
    repeat {
      let key = try probe.readKey()
      if probe.withBytes(key, { $0.elementsEqual("@type".utf8) }) {
        guard url == nil else { throw TranscodingError(.invalidValue, path: "@type", "key given twice") }
        guard try probe.peek() == UInt8(ascii: "\"") else {
          throw TranscodingError(.invalidValue, path: "@type", "expected a type URL string")
        }
        url = probe.string(try probe.readStringToken())
      } else {
        try probe.skipValue()
      }
    } while try probe.nextMember()
    guard let url else { throw .invalid("Any object has no \"@type\"") }
    let innerType = try anyType(url)
    let inner = pool.messages[innerType]

    // Second pass: the members.
    let payload: DynamicMessage
    if let wellKnown = inner.wellKnownType, wellKnown.hasSpecialJSONForm {
      _ = try scanner.enterObject()
      var value: DynamicMessage?
      repeat {
        let key = try scanner.readKey()
        let name = scanner.string(key)
        switch name {
        case "@type": _ = try scanner.readStringToken(peeked: ())
        case "value":
          guard value == nil else { throw TranscodingError(.invalidValue, path: "value", "key given twice") }
          do throws(TranscodingError) {
            value = try decodeMessageValue(type: innerType)
          } catch {
            throw error.prefixed(field: "value")
          }
        default:
          throw TranscodingError(
            .invalidValue, path: name,
            "unknown field: an Any holding \(inner.fullName) has only \"@type\" and \"value\"")
        }
      } while try scanner.nextMember()
      guard let value else {
        throw .invalid("an Any holding \(inner.fullName) needs a \"value\" member")
      }
      payload = value
    } else {
      payload = try decodeObject(type: innerType, skippingTypeKey: true)
    }
    message.values[urlIndex] = .string(url)
    message.values[valueIndex] = .bytes(try AnyPayload.encode(payload, pool: pool))
    return message
  }

  /// The pool's message for a type URL.
  private func anyType(_ url: String) throws(TranscodingError) -> Int {
    let name = url.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(url[url.index(after: $0)...]) } ?? url
    guard !name.isEmpty, let type = pool.message(named: name) else {
      throw TranscodingError(.invalidValue, path: "@type", "unknown type \"\(url)\"")
    }
    return type
  }
}

extension JSONScanner {
  /// Reads a string after skipping whitespace; throws if something else comes.
  mutating func readStringToken(peeked: Void) throws(TranscodingError) -> JSONStringToken {
    guard try peek() == UInt8(ascii: "\"") else {
      throw TranscodingError(.invalidValue, "expected a string")
    }
    return try readStringToken()
  }
}

extension JSONMessageEncoder {
  func writeAny(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    var url = ""
    if case .string(let text)? = message.wellKnownValue(1, descriptor) { url = text }
    var payload: [UInt8] = []
    if case .bytes(let bytes)? = message.wellKnownValue(2, descriptor) { payload = bytes }
    if url.isEmpty && payload.isEmpty {
      output.appendASCII("{}")
      return
    }
    try writeAnyContent(typeURL: url, payload: payload, to: &output)
  }

  /// An Any's JSON object from its two fields: `{"@type": url, ...fields}`, or
  /// `{"@type": url, "value": <special form>}` for a well-known type that has one.
  func writeAnyContent(
    typeURL url: String, payload: [UInt8], to output: inout [UInt8]
  ) throws(TranscodingError) {
    let name = url.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(url[url.index(after: $0)...]) } ?? url
    guard !name.isEmpty, let innerType = pool.message(named: name) else {
      throw TranscodingError(.unencodable, path: "@type", "unknown type \"\(url)\"")
    }
    let inner: DynamicMessage
    do throws(TranscodingError) {
      inner = try AnyPayload.decode(payload, type: innerType, pool: pool)
    } catch {
      throw TranscodingError(
        .unencodable, path: "value", "Any payload is not a valid \(name): \(error.message)")
    }
    output.appendASCII("{\"@type\":")
    output.appendJSONString(url)
    let innerDescriptor = pool.messages[innerType]
    if let wellKnown = innerDescriptor.wellKnownType, wellKnown.hasSpecialJSONForm {
      output.appendASCII(",\"value\":")
      do throws(TranscodingError) {
        try writeMessageValue(inner, to: &output)
      } catch {
        throw error.prefixed(field: "value")
      }
    } else {
      try writeFields(inner, first: false, to: &output)
    }
    output.append(UInt8(ascii: "}"))
  }
}

extension SchemaPool {
  /// The proto3 JSON of a `google.protobuf.Any` given by its two fields, as an Any field would
  /// be written: `{"@type": url, ...fields of the message}`, or `{"@type": url, "value": ...}`
  /// for a well-known type with a JSON form of its own. The pool need not hold `Any` itself,
  /// only the type the URL names (its text after the last `/`). For `google.rpc.Status`
  /// details (`grpc-status-details-bin`), which the gateway reads without a schema.
  ///
  /// - Throws: `.unencodable` when the pool does not know the type, or the value is not a
  ///   valid message of that type.
  public func anyJSON(
    typeURL: String, value: [UInt8], options: JSONEncodingOptions = .init()
  ) throws(TranscodingError) -> [UInt8] {
    var output: [UInt8] = []
    try JSONMessageEncoder(pool: self, options: options)
      .writeAnyContent(typeURL: typeURL, payload: value, to: &output)
    return output
  }
}
