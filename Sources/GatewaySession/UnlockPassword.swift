import GatewayCore

/// The password the gateway unlocks with, and the `authorization: Basic` metadata it becomes.
///
/// A password is refused before any call when its credential could not reach the agent: the
/// gateway answers 400 for `POST /-/session/unlock`, and will not start with such a password
/// file or `PK_PASSWORD`, instead of the agent connection failing later.
public enum UnlockPassword {
  /// The longest Basic credential (the base64 after `Basic `): 16 KiB, as for tokens. gRPC
  /// servers refuse request metadata over 16 KiB in all by default (grpc-core's hard limit,
  /// `grpc.absolute_max_metadata_size`), so a longer one cannot unlock a default agent; and
  /// nghttp2 will not send a header block over 64 KiB at all (the call then fails as if the
  /// agent were unreachable).
  public static let maximumCredentialLength = 16 * 1024

  /// The longest password, in UTF-8 bytes: `base64(":" + password)` fits in
  /// `maximumCredentialLength`, so 12,287 bytes.
  public static let maximumLength = maximumCredentialLength / 4 * 3 - 1

  /// Why `password` cannot be used, or nil when it can.
  public static func problem(_ password: String) -> String? {
    if password.isEmpty { return "is empty" }
    if password.utf8.count > maximumLength {
      return "is over \(maximumLength) bytes: its Basic credential would be over "
        + "\(maximumCredentialLength / 1024) KiB, more metadata than a gRPC agent accepts by "
        + "default"
    }
    return nil
  }

  /// The `authorization` metadata value: `Basic base64(":" + password)`, Polykey's form (no
  /// user name).
  public static func authorization(_ password: String) -> String {
    "Basic " + Base64.encode(Array((":" + password).utf8))
  }
}
