// The conformance testee: `ConformanceTestee [--descriptor-set FILE]...`. Reads length-framed
// ConformanceRequests on stdin, writes ConformanceResponses on stdout, logs on stderr, exits 0
// at end of input. Words that are not options are ignored (the v21.12 runner passes the
// testee's own path first).

import GatewayTranscoding

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let defaultSetName = "shared/conformance/conformance-proto3.pb"
let usage = """
  usage: ConformanceTestee [--descriptor-set FILE]...
    --descriptor-set FILE  a binary FileDescriptorSet to load as well (repeatable); the
                           conformance set (../\(defaultSetName)) is always loaded first
  """

/// A line on stderr.
func log(_ message: String) {
  let line = Array("ConformanceTestee: \(message)\n".utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String, code: Int32) -> Never {
  log(message)
  exit(code)
}

/// The whole file, or nil when it cannot be opened or read.
func readFile(_ path: String) -> [UInt8]? {
  guard let file = fopen(path, "rb") else { return nil }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 64 << 10)
  while true {
    let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
    if count > 0 { bytes += chunk[0..<count] }
    if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
  }
}

func fileExists(_ path: String) -> Bool { access(path, R_OK) == 0 }

/// `../shared/…` from the current directory, else beside an ancestor of the executable or of
/// this source file (the repository's layout: `<repo>/../shared/…`), else the repository's own
/// copy (`<repo>/Tests/Conformance/conformance-proto3.pb`), for clones without `../shared`.
func defaultDescriptorSet() -> String? {
  let relative = "../" + defaultSetName
  if fileExists(relative) { return relative }
  if let found = searchUpwards(for: "/../" + defaultSetName) { return found }
  return searchUpwards(for: "/Tests/Conformance/conformance-proto3.pb")
}

/// `<ancestor><suffix>` for the nearest ancestor of the executable or of this source file.
func searchUpwards(for suffix: String) -> String? {
  var starts: [String] = [#filePath]
  var buffer = [CChar](repeating: 0, count: 4096)
  let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  if length > 0 {
    starts.insert(
      String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self), at: 0)
  }
  for start in starts {
    var parts = start.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    while parts.count > 1 {
      parts.removeLast()
      let candidate = parts.joined(separator: "/") + suffix
      if fileExists(candidate) { return candidate }
    }
  }
  return nil
}

/// The files of a FileDescriptorSet (field 1), each with its name (its field 1).
func splitSet(_ bytes: [UInt8]) -> [(name: String, bytes: [UInt8])]? {
  bytes.withUnsafeBytes { raw in
    var files: [(String, [UInt8])] = []
    var reader = WireReader(raw)
    while !reader.isAtEnd {
      guard let tag = try? reader.readTag() else { return nil }
      if tag.fieldNumber == 1 && tag.wireType == .lengthDelimited {
        guard let file = try? reader.readLengthDelimited() else { return nil }
        var fileReader = WireReader(file)
        var name = ""
        while !fileReader.isAtEnd, let fileTag = try? fileReader.readTag() {
          if fileTag.fieldNumber == 1 && fileTag.wireType == .lengthDelimited {
            name =
              (try? fileReader.readLengthDelimited()).map { String(decoding: $0, as: UTF8.self) }
              ?? ""
            break
          }
          guard
            (try? fileReader.skipField(fieldNumber: fileTag.fieldNumber, wireType: fileTag.wireType))
              != nil
          else { break }
        }
        files.append((name, Array(file)))
      } else {
        guard (try? reader.skipField(fieldNumber: tag.fieldNumber, wireType: tag.wireType)) != nil
        else { return nil }
      }
    }
    return files
  }
}

// Arguments.
var paths: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
  if argument == "--descriptor-set" {
    guard let path = arguments.popFirst() else {
      fail("--descriptor-set needs a file\n\(usage)", code: 64)
    }
    paths.append(path)
  } else if argument.hasPrefix("--descriptor-set=") {
    paths.append(String(argument.dropFirst("--descriptor-set=".count)))
  } else if argument == "--help" || argument == "-h" {
    print(usage)
    exit(0)
  } else if argument.hasPrefix("-") {
    fail("unknown option \(argument)\n\(usage)", code: 64)
  }
}
guard let defaultSet = defaultDescriptorSet() else {
  fail("cannot find ../\(defaultSetName)", code: 66)
}
paths.insert(defaultSet, at: 0)

// Files in load order; a name seen before keeps its first definition (a second set may carry
// the well-known types from another protoc version).
var seen: [String: [UInt8]] = [:]
var files: [[UInt8]] = []
for path in paths {
  guard let bytes = readFile(path) else { fail("cannot read \(path)", code: 66) }
  guard let split = splitSet(bytes) else { fail("\(path) is not a FileDescriptorSet", code: 65) }
  for file in split {
    if let previous = seen[file.name] {
      if previous != file.bytes {
        log("\(path): keeping the first \(file.name)")
      }
      continue
    }
    seen[file.name] = file.bytes
    files.append(file.bytes)
  }
}
let testee: ConformanceTestee
do {
  testee = try ConformanceTestee(pool: try SchemaPool(fileDescriptorProtos: files))
} catch {
  fail("\(error)", code: 65)
}

/// Reads exactly `count` bytes; nil at end of input before the first byte, exits on a partial
/// frame or a read error.
func readExactly(_ count: Int) -> [UInt8]? {
  var bytes = [UInt8](repeating: 0, count: count)
  var done = 0
  while done < count {
    let n = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress! + done, count - done) }
    if n < 0 && errno == EINTR { continue }
    if n < 0 { fail("read failed: errno \(errno)", code: 74) }
    if n == 0 {
      if done == 0 { return nil }
      fail("end of input inside a frame", code: 65)
    }
    done += n
  }
  return bytes
}

func writeAll(_ bytes: [UInt8]) {
  var done = 0
  while done < bytes.count {
    let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + done, bytes.count - done) }
    if n < 0 && errno == EINTR { continue }
    if n <= 0 { fail("write failed: errno \(errno)", code: 74) }
    done += n
  }
}

while let header = readExactly(4) {
  let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
  var request: [UInt8] = []
  if length > 0 {
    guard let payload = readExactly(length) else { fail("end of input inside a frame", code: 65) }
    request = payload
  }
  let response = testee.answer(request)
  var frame: [UInt8] = []
  frame.reserveCapacity(4 + response.count)
  withUnsafeBytes(of: UInt32(response.count).littleEndian) { frame.append(contentsOf: $0) }
  frame += response
  // One write per response: nothing is buffered, so nothing needs flushing.
  writeAll(frame)
}
exit(0)
