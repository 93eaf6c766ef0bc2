import GatewayCore
import GatewayTranscoding

/// `GET /-/methods`: every method JSON calls can reach, for discovery with curl and jq.
///
/// `{"source": "reflection"|"descriptor-set", "services": [{"name", "file", "methods":
/// [{"name", "path", "kind", "requestType", "responseType"}]}]}`, `kind` one of `unary`,
/// `server_streaming`, `client_streaming`, `bidi_streaming`.
enum MethodsListing {
  static func json(_ schemas: SchemaRegistry) -> [UInt8] {
    let pool = schemas.pool
    var writer = JSONWriter(capacity: 1024)
    writer.beginObject()
    writer.key("source")
    writer.string(schemas.usesReflection ? "reflection" : "descriptor-set")
    if let failure = schemas.lastFailure {
      writer.key("reflectionError")
      writer.string(failure)
    }
    writer.key("services")
    writer.beginArray()
    for service in pool.services.sorted(by: { $0.fullName < $1.fullName }) {
      writer.beginObject()
      writer.key("name")
      writer.string(service.fullName)
      writer.key("file")
      writer.string(service.fileName)
      writer.key("methods")
      writer.beginArray()
      for method in service.methods {
        writer.beginObject()
        writer.key("name")
        writer.string(method.name)
        writer.key("path")
        writer.string(method.path)
        writer.key("kind")
        writer.string(method.kind.rawValue)
        writer.key("requestType")
        writer.string(pool.messages[method.inputType].fullName)
        writer.key("responseType")
        writer.string(pool.messages[method.outputType].fullName)
        writer.endObject()
      }
      writer.endArray()
      writer.endObject()
    }
    writer.endArray()
    writer.endObject()
    return writer.bytes + [0x0A]
  }
}
