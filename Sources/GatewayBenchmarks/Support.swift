import Glibc

// Small shared helpers: the clock, a sink the optimizer cannot see through, statistics, output.

/// Monotonic nanoseconds.
@inline(__always)
func nowNanoseconds() -> UInt64 {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Keeps a value alive and opaque to the optimizer.
@inline(never)
func blackHole<T>(_ value: T) {
  withExtendedLifetime(value) {}
}

/// The `fraction` percentile (0...1) of sorted values, nearest rank.
func percentile(_ sorted: [UInt64], _ fraction: Double) -> UInt64 {
  guard !sorted.isEmpty else { return 0 }
  let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
  return sorted[min(max(rank, 0), sorted.count - 1)]
}

func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return 0 }
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Fixed-point formatting without Foundation.
func format(_ value: Double, _ decimals: Int = 1) -> String {
  guard value.isFinite else { return "n/a" }
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  let scaled = (abs(value) * scale).rounded()
  let whole = Int(scaled / scale)
  let fraction = Int(scaled - Double(whole) * scale)
  var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
  if decimals > 0 {
    let digits = String(fraction)
    text += "." + String(repeating: "0", count: decimals - digits.count) + digits
  }
  return text
}

func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
  let fill = String(repeating: " ", count: max(0, width - text.count))
  return left ? text + fill : fill + text
}

func printError(_ text: String) {
  var bytes = Array((text + "\n").utf8)
  _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}

/// Output is read by people and scripts while it runs: flush every line.
func say(_ text: String = "") {
  print(text)
  fflush(nil)
}

/// Collects `name=value` figures for the machine-readable lines printed at the end.
struct Figures {
  private(set) var lines: [String] = []
  mutating func add(_ name: String, _ value: Double, unit: String, decimals: Int = 2) {
    lines.append("BENCH \(name) \(format(value, decimals)) \(unit)")
  }
}

// MARK: processes

/// A child process started with posix_spawn; stdout/stderr to files (or a pipe for stdout).
final class ChildProcess {
  let pid: pid_t
  let name: String
  private(set) var exited = false

  init(name: String, arguments: [String], stdoutPath: String?, stderrPath: String, stdoutPipe: Int32? = nil) throws(BenchmarkError) {
    self.name = name
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdoutPipe {
      posix_spawn_file_actions_adddup2(&actions, stdoutPipe, 1)
    } else if let stdoutPath {
      posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    cArguments.append(nil)
    defer { for pointer in cArguments { free(pointer) } }
    var child: pid_t = 0
    let result = posix_spawn(&child, arguments[0], &actions, nil, cArguments, environ)
    guard result == 0 else {
      throw BenchmarkError("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
    }
    pid = child
  }

  /// SIGTERM, then SIGKILL after `graceMilliseconds`; reaps the child.
  func stop(graceMilliseconds: Int = 2_000) {
    guard !exited else { return }
    kill(pid, SIGTERM)
    var status: Int32 = 0
    for _ in 0..<(graceMilliseconds / 10) {
      if waitpid(pid, &status, WNOHANG) == pid {
        exited = true
        return
      }
      usleep(10_000)
    }
    kill(pid, SIGKILL)
    _ = waitpid(pid, &status, 0)
    exited = true
  }

  /// True while the child has not exited.
  var isRunning: Bool {
    if exited { return false }
    var status: Int32 = 0
    if waitpid(pid, &status, WNOHANG) == pid { exited = true }
    return !exited
  }

  deinit { stop() }
}

/// User plus system CPU time of a process in microseconds, from /proc/<pid>/stat.
func cpuMicroseconds(pid: pid_t) -> Double {
  guard let text = readSmallFile("/proc/\(pid)/stat"),
    let close = text.lastIndex(of: ")")
  else { return .nan }
  // Fields after "comm)": state is field 3; utime and stime are fields 14 and 15.
  let fields = text[text.index(after: close)...].split(separator: " ")
  guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
    return .nan
  }
  let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
  return (user + system) / ticks * 1_000_000
}

/// VmRSS and VmHWM of a process in KiB, from /proc/<pid>/status.
func memoryKiB(pid: pid_t) -> (rss: Int, hwm: Int) {
  guard let text = readSmallFile("/proc/\(pid)/status") else { return (-1, -1) }
  var rss = -1
  var hwm = -1
  for line in text.split(separator: "\n") {
    let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" })
    guard parts.count >= 2 else { continue }
    if parts[0] == "VmRSS" { rss = Int(parts[1]) ?? -1 }
    if parts[0] == "VmHWM" { hwm = Int(parts[1]) ?? -1 }
  }
  return (rss, hwm)
}

func readSmallFile(_ path: String) -> String? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 4096)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if count <= 0 { break }
    bytes.append(contentsOf: chunk[0..<count])
  }
  return String(decoding: bytes, as: UTF8.self)
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

struct BenchmarkError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
