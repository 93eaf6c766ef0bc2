import Glibc

/// The password file (`--password-file`): read like the token file, surrounding whitespace
/// trimmed. The password is never logged; errors name the file only.
public enum PasswordFile {
  /// - Throws: when the file is missing, empty, unreadable or not a regular file.
  public static func read(_ path: String) throws(TokenStoreError) -> String {
    guard let password = try TokenStore(path: path).read() else {
      throw TokenStoreError(operation: "read (missing or empty)", path: path, errno: ENOENT)
    }
    return password
  }
}
