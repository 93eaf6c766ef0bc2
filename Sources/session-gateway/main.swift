import GatewayCore
import GatewayEventLoop
import GatewayServer
import Glibc

// The executable: parse the configuration, set up logging and signals, run the loop, exit
// with a sysexits code.

signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
var environment: [String: String] = [:]
var cursor = environ
while let entry = cursor.pointee {
  let text = String(cString: entry)
  if let equals = text.firstIndex(of: "=") {
    environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
  }
  cursor += 1
}

func fail(_ message: String, code: Int32) -> Never {
  FileHandleStderr.write("session-gateway: \(message)\n")
  exit(code)
}

enum FileHandleStderr {
  static func write(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
  }
}

let request: CommandLineRequest
do {
  request = try Configuration.parse(arguments: arguments, environment: environment)
} catch {
  fail("\(error)", code: 64)
}

let configuration: Configuration
switch request {
case .help(let text):
  print(text, terminator: "")
  exit(0)
case .version(let text):
  print(text)
  exit(0)
case .run(let parsed):
  configuration = parsed
}

// The activation variables are for us alone, not for anything we might start.
unsetenv("LISTEN_FDS")
unsetenv("LISTEN_PID")
unsetenv("LISTEN_FDNAMES")

let logger = Logger(
  level: configuration.logLevel, format: configuration.logFormat,
  timestamps: environment["JOURNAL_STREAM"] == nil)
let loop: EventLoop
let server: Server
do {
  loop = try EventLoop()
  server = try Server(configuration: configuration, logger: logger, loop: loop)
  try server.start()
} catch let error as ServerError {
  fail("\(error)", code: error.exitCode)
} catch {
  fail("\(error)", code: 69)
}

let signalSources = StopSignals.install(stopping: loop.handle)

do {
  try loop.run()
} catch {
  logger.error("event loop failed", ["error": "\(error)"])
  server.shutdown()
  exit(70)
}
server.shutdown()
exit(0)
