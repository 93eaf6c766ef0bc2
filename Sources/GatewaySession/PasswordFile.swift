import Glibc

/// The password file (`--password-file`): read once at start like the token file, surrounding
/// whitespace trimmed. The password is never logged; errors name the file only.
public enum PasswordFile {
  /// Read at most this much: a password that long is refused later anyway (over 16 KiB of
  /// `Basic` credential), and a device that never ends must not fill memory.
  static let maximumSize = 64 * 1024

  /// - Throws: when the file is missing, empty or unreadable.
  public static func read(_ path: String) throws(PasswordFileError) -> String {
    var info = stat()
    guard stat(path, &info) == 0 else {
      if errno == ENOENT { throw PasswordFileError("the password file \(path) does not exist") }
      throw PasswordFileError("cannot read the password file \(path): \(String(cString: strerror(errno)))")
    }
    let password: String?
    switch info.st_mode & S_IFMT {
    case S_IFREG:
      // Under the token file's lock, as a file the Polykey CLI might be writing.
      do { password = try TokenStore(path: path).read() } catch {
        throw PasswordFileError("cannot read the password file \(path): \(String(cString: strerror(error.errno)))")
      }
    case S_IFDIR:
      throw PasswordFileError("the password file \(path) is a directory")
    default:
      // A pipe (`--password-file <(pass show agent)`) or a device: read it to its end once,
      // at start, before the event loop runs.
      password = try readStream(path)
    }
    guard let password else { throw PasswordFileError("the password file \(path) is empty") }
    return password
  }

  private static func readStream(_ path: String) throws(PasswordFileError) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw PasswordFileError("cannot read the password file \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    let contents: [UInt8]
    do { contents = try TokenStore.readToEnd(fd, atMost: maximumSize) } catch {
      if error.errno == EFBIG {
        throw PasswordFileError("the password file \(path) holds more than \(maximumSize) bytes")
      }
      throw PasswordFileError("cannot read the password file \(path): \(String(cString: strerror(error.errno)))")
    }
    let password = TokenStore.trimmed(contents)
    return password.isEmpty ? nil : password
  }
}

/// `--password-file` names no usable password (a configuration error: exit 78).
public struct PasswordFileError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ description: String) { self.description = description }
}
