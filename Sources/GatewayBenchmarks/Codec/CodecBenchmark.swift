import GatewayTranscoding
import Glibc

/// The `codec` benchmark: proto3 JSON to binary and binary to JSON on three messages of the
/// `bench.v1` schema (bench.proto beside this file), in MB/s.
///
/// - small: one `bench.v1.Item` (about 150 bytes of JSON)
/// - medium: a `bench.v1.Page` of 12 items (about 4 KB)
/// - large: a `bench.v1.Page` of 3,000 items (about 1 MB)
///
/// JSON to binary is `DynamicMessage(json:type:pool:)` then `binary(pool:)`; binary to JSON is
/// `DynamicMessage(binary:type:pool:)` then `json(pool:)` with the gateway's output options
/// (lowerCamelCase names, default values written, compact). Throughput is the message's JSON
/// size divided by the time, in both directions (MB = 10^6 bytes); the binary size is printed
/// beside it.
///
/// Fixtures, for a counterpart in another language to time the same bytes:
/// `--write-fixtures DIR` writes, and `--read-fixtures DIR` reads instead of generating,
///
///     codec-schema.binpb        FileDescriptorSet of bench.proto (with timestamp.proto)
///     codec-small.json          the small message's JSON (exactly what binary->JSON writes)
///     codec-small.binpb         its binary encoding (exactly what JSON->binary writes)
///     codec-medium.json, codec-medium.binpb, codec-large.json, codec-large.binpb
///     codec-manifest.txt        one line per message: name, full type name, JSON file, binary file
///
/// In Python the same work is `json_format.Parse(json, msg).SerializeToString()` and
/// `json_format.MessageToJson(msg_from_binary, including_default_value_fields=True, indent=None)`.
enum CodecBenchmark {
  struct Case {
    let name: String
    let typeName: String
    let type: Int
    let json: [UInt8]
    let binary: [UInt8]
  }

  static let fixtureNames = ["small", "medium", "large"]

  static func run(
    runs: Int, writeFixtures: String?, readFixtures: String?, figures: inout Figures
  ) throws(BenchmarkError) {
    let pool: SchemaPool
    let cases: [Case]
    if let directory = readFixtures {
      (pool, cases) = try load(from: directory)
    } else {
      pool = try loadPool(codecSchemaDescriptorSet)
      cases = try generate(pool: pool)
    }
    if let directory = writeFixtures {
      try write(cases, schema: readFixtures == nil ? codecSchemaDescriptorSet : nil, to: directory)
      say("codec: fixtures written to \(directory)")
    }
    let options = JSONEncodingOptions()
    let timed = environmentValue("CODEC_STAGE_ITERATIONS") == nil
    // Check both directions reproduce the fixtures before timing them.
    for item in cases {
      let toBinary = try jsonToBinary(item.json, item.type, pool)
      let toJSON = try binaryToJSON(item.binary, item.type, pool, options)
      if toBinary != item.binary || toJSON != item.json {
        throw BenchmarkError("codec: \(item.name) does not round-trip to its fixtures")
      }
    }

    say()
    say("codec: median of \(runs) runs; MB/s = JSON bytes / time, both directions (MB = 10^6 bytes)")
    say(pad("message", 8, left: true) + pad("JSON B", 10) + pad("binary B", 10) + pad("JSON->bin MB/s", 16)
      + pad("bin->JSON MB/s", 16) + pad("us/op j->b", 12) + pad("us/op b->j", 12))
    for item in cases where timed {
      let toBinary = measure(runs: runs, bytes: item.json.count) { count in
        for _ in 0..<count { blackHole(try? jsonToBinary(item.json, item.type, pool)) }
      }
      let toJSON = measure(runs: runs, bytes: item.json.count) { count in
        for _ in 0..<count { blackHole(try? binaryToJSON(item.binary, item.type, pool, options)) }
      }
      say(
        pad(item.name, 8, left: true) + pad(String(item.json.count), 10)
          + pad(String(item.binary.count), 10) + pad(format(toBinary.megabytesPerSecond, 1), 16)
          + pad(format(toJSON.megabytesPerSecond, 1), 16)
          + pad(format(toBinary.nanosecondsPerOperation / 1000, 2), 12)
          + pad(format(toJSON.nanosecondsPerOperation / 1000, 2), 12))
      figures.add("codec.\(item.name).json_to_binary.mb_per_s", toBinary.megabytesPerSecond, unit: "MB/s", decimals: 1)
      figures.add("codec.\(item.name).binary_to_json.mb_per_s", toJSON.megabytesPerSecond, unit: "MB/s", decimals: 1)
    }
    // Where the time goes: each of the four halves alone, on the medium message.
    if let item = cases.first(where: { $0.name == "medium" }) ?? cases.last {
      let message = try decodeBinary(item.binary, item.type, pool)
      let stages: [(String, (Int) -> Void)] = [
        ("JSON decode", { count in
          item.json.withUnsafeBytes { raw in
            for _ in 0..<count { blackHole(try? DynamicMessage(json: raw, type: item.type, pool: pool)) }
          }
        }),
        ("binary encode", { count in for _ in 0..<count { blackHole(message.binary(pool: pool)) } }),
        ("binary decode", { count in
          item.binary.withUnsafeBytes { raw in
            for _ in 0..<count { blackHole(try? DynamicMessage(binary: raw, type: item.type, pool: pool)) }
          }
        }),
        ("JSON encode", { count in for _ in 0..<count { blackHole(try? message.json(pool: pool, options: options)) } }),
      ]
      // CODEC_STAGE_ITERATIONS=N runs each stage N times untimed, for `perf stat -e
      // instructions` (a figure a busy machine does not disturb).
      if let fixed = environmentValue("CODEC_STAGE_ITERATIONS").flatMap({ Int($0) }) {
        for (name, body) in stages where environmentValue("CODEC_STAGE").map({ $0 == name }) ?? true {
          body(fixed)
        }
        return
      }
      var line = "codec: \(item.name) stages, us/op:"
      for (name, body) in stages {
        line += " \(name) \(format(measure(runs: runs, bytes: 1, body).nanosecondsPerOperation / 1000, 2));"
      }
      say(line)
    }
  }

  static func jsonToBinary(_ json: [UInt8], _ type: Int, _ pool: SchemaPool) throws(BenchmarkError) -> [UInt8] {
    let result = json.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in try DynamicMessage(json: raw, type: type, pool: pool) }
    }
    switch result {
    case .success(let message): return message.binary(pool: pool)
    case .failure(let error): throw BenchmarkError("codec: JSON decode failed: \(error)")
    }
  }

  static func decodeBinary(_ binary: [UInt8], _ type: Int, _ pool: SchemaPool) throws(BenchmarkError) -> DynamicMessage {
    let result = binary.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in try DynamicMessage(binary: raw, type: type, pool: pool) }
    }
    switch result {
    case .success(let message): return message
    case .failure(let error): throw BenchmarkError("codec: binary decode failed: \(error)")
    }
  }

  static func binaryToJSON(
    _ binary: [UInt8], _ type: Int, _ pool: SchemaPool, _ options: JSONEncodingOptions
  ) throws(BenchmarkError) -> [UInt8] {
    let result = binary.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try DynamicMessage(binary: raw, type: type, pool: pool).json(pool: pool, options: options)
      }
    }
    switch result {
    case .success(let json): return json
    case .failure(let error): throw BenchmarkError("codec: binary decode or JSON encode failed: \(error)")
    }
  }

  /// Warm-up, then `runs` timed runs of about 100 ms; the median.
  static func measure(
    runs: Int, bytes: Int, _ body: (Int) -> Void
  ) -> (megabytesPerSecond: Double, nanosecondsPerOperation: Double) {
    let nanoseconds = MicroBenchmarks.measure(runs: runs, runMilliseconds: 100, body)
    return (Double(bytes) / nanoseconds * 1e3, nanoseconds)
  }

  // MARK: messages

  static func loadPool(_ set: [UInt8]) throws(BenchmarkError) -> SchemaPool {
    do {
      return try SchemaPool(fileDescriptorSets: [set])
    } catch {
      throw BenchmarkError("codec: cannot load the schema: \(error)")
    }
  }

  /// The three messages, made from deterministic pseudo-random content.
  static func generate(pool: SchemaPool) throws(BenchmarkError) -> [Case] {
    var random = Xorshift(seed: 0x5EED_C0DE)
    var cases: [Case] = []
    for (name, typeName, items) in [
      ("small", "bench.v1.Item", 0), ("medium", "bench.v1.Page", 12), ("large", "bench.v1.Page", 3000),
    ] {
      guard let type = pool.message(named: typeName) else {
        throw BenchmarkError("codec: \(typeName) is not in the schema")
      }
      let source: String
      if items == 0 {
        source = #"{"id":"42","name":"notes.txt","active":true,"kind":"KIND_FILE","version":3}"#
      } else {
        var text = #"{"requestId":"req-\#(random.next() % 1_000_000)","items":["#
        for index in 0..<items {
          if index > 0 { text += "," }
          text += item(index, &random)
        }
        text += #"],"total":\#(items),"nextPageToken":"tok-\#(random.next() % 1_000_000_000)"}"#
        source = text
      }
      // The fixtures are what the codec itself writes, so both directions reproduce them.
      let binary = try jsonToBinary(Array(source.utf8), type, pool)
      let json = try binaryToJSON(binary, type, pool, JSONEncodingOptions())
      cases.append(Case(name: name, typeName: typeName, type: type, json: json, binary: binary))
    }
    return cases
  }

  static func item(_ index: Int, _ random: inout Xorshift) -> String {
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    func word() -> String { words[Int(random.next() % UInt64(words.count))] }
    let tags = (0..<(1 + Int(random.next() % 4))).map { _ in "\"\(word())\"" }.joined(separator: ",")
    let counts = (0..<(1 + Int(random.next() % 6))).map { _ in String(random.next() % 100_000) }
      .joined(separator: ",")
    let digest = (0..<24).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    let base64 = encodeBase64(digest)
    let seconds = 1_600_000_000 + Int(random.next() % 100_000_000)
    let day = 1 + Int(random.next() % 28)
    let month = 1 + Int(random.next() % 12)
    let stamp = "2024-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)T1\(seconds % 10):\(10 + seconds % 50):\(10 + seconds % 49).\(100 + seconds % 900)Z"
    return #"{"id":"\#(1_000_000 + index)","name":"\#(word())-\#(index).txt","score":\#(Double(random.next() % 10_000) / 64),"#
      + #""active":\#(random.next() % 2 == 0),"tags":[\#(tags)],"createdAt":"\#(stamp)","#
      + #""labels":{"team":"\#(word())","env":"\#(word())"},"digest":"\#(base64)","#
      + #""kind":"\#(["KIND_FILE", "KIND_DIRECTORY", "KIND_LINK"][index % 3])","counts":[\#(counts)],"#
      + #""version":\#(1 + random.next() % 50),"ratio":\#(Float(random.next() % 256) / 8),"owner":"\#(word())"}"#
  }

  static func encodeBase64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    var index = 0
    while index + 3 <= bytes.count {
      let value = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
      for shift in [18, 12, 6, 0] { output.append(alphabet[value >> shift & 63]) }
      index += 3
    }
    return String(decoding: output, as: UTF8.self)
  }

  struct Xorshift {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return state
    }
  }

  // MARK: fixture files

  static func write(_ cases: [Case], schema: [UInt8]?, to directory: String) throws(BenchmarkError) {
    mkdir(directory, 0o755)
    if let schema { try writeFile(directory + "/codec-schema.binpb", schema) }
    var manifest = ""
    for item in cases {
      try writeFile(directory + "/codec-\(item.name).json", item.json)
      try writeFile(directory + "/codec-\(item.name).binpb", item.binary)
      manifest += "\(item.name) \(item.typeName) codec-\(item.name).json codec-\(item.name).binpb\n"
    }
    try writeFile(directory + "/codec-manifest.txt", Array(manifest.utf8))
  }

  static func load(from directory: String) throws(BenchmarkError) -> (SchemaPool, [Case]) {
    let pool = try loadPool(try readFile(directory + "/codec-schema.binpb"))
    var cases: [Case] = []
    let manifest = String(decoding: try readFile(directory + "/codec-manifest.txt"), as: UTF8.self)
    for line in manifest.split(separator: "\n") {
      let parts = line.split(separator: " ").map(String.init)
      guard parts.count == 4, let type = pool.message(named: parts[1]) else {
        throw BenchmarkError("codec: bad manifest line \"\(line)\"")
      }
      cases.append(
        Case(
          name: parts[0], typeName: parts[1], type: type,
          json: try readFile(directory + "/" + parts[2]), binary: try readFile(directory + "/" + parts[3])))
    }
    return (pool, cases)
  }

  static func writeFile(_ path: String, _ bytes: [UInt8]) throws(BenchmarkError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw BenchmarkError("codec: cannot write \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      guard written > 0 else { throw BenchmarkError("codec: cannot write \(path)") }
      offset += written
    }
  }

  static func readFile(_ path: String) throws(BenchmarkError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw BenchmarkError("codec: cannot read \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 { throw BenchmarkError("codec: cannot read \(path)") }
      if count == 0 { break }
      bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
  }
}
