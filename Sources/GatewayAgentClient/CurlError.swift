import CCurl

/// libcurl refused to set up a transfer (not a failure of the transfer itself, which is a
/// `TransportFailure`).
public struct CurlError: Error, CustomStringConvertible, Sendable {
  public let message: String

  init(message: String) { self.message = message }

  init(code: CURLcode) {
    message = "libcurl: " + String(cString: curl_easy_strerror(code))
  }

  init(multiCode: CURLMcode) {
    message = "libcurl multi: " + String(cString: curl_multi_strerror(multiCode))
  }

  public var description: String { message }
}
