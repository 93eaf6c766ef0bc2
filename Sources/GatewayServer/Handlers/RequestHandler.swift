/// Handles one request on a connection: receives its body and writes its response through the
/// connection's `ResponseWriter` methods.
///
/// All calls happen on the loop thread. After the handler ends its response, or after
/// `connectionClosed()`, it hears nothing more.
protocol RequestHandler: AnyObject {
  /// A piece of the request body (already de-chunked).
  func requestBodyPart(_ bytes: [UInt8])
  /// The request body is complete.
  func requestEnded()
  /// The connection's send buffer drained below its low-water mark: resume a paused upstream.
  func outboundDrained()
  /// The caller went away or the connection failed: abandon the work (cancel the agent call).
  func connectionClosed()
}

extension RequestHandler {
  func requestBodyPart(_ bytes: [UInt8]) {}
  func requestEnded() {}
  func outboundDrained() {}
  func connectionClosed() {}
}
