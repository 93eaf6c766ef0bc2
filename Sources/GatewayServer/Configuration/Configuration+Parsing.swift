import GatewayAgentClient
import GatewayCore
import GatewaySession
import Glibc

extension Configuration {
  /// The option table: parsing and `--help` both come from it.
  static let options: [Option] = [
    Option("--listen", env: "SESSION_GATEWAY_LISTEN", value: "PATH",
      "Unix socket to serve (default $XDG_RUNTIME_DIR/session-gateway.sock, else /tmp/session-gateway-<uid>/session-gateway.sock)"
    ) { config, value throws(ConfigurationError) in config.listenPath = value },
    Option("--agent", env: "SESSION_GATEWAY_AGENT", value: "ADDRESS",
      "the agent: unix:/path (h2c), http://host:port (h2c), https://host:port (TLS, ALPN h2); required"
    ) { config, value throws(ConfigurationError) in
      do throws(AgentAddressError) { config.agent = try AgentAddress(parsing: value) } catch {
        throw ConfigurationError(error.description)
      }
    },
    Option("--agent-ca-file", env: "SESSION_GATEWAY_AGENT_CA_FILE", value: "FILE",
      "PEM CA certificates to trust for an https:// agent (default: the system's)"
    ) { config, value throws(ConfigurationError) in config.agentCAFile = value },
    Option("--token-file", env: "SESSION_GATEWAY_TOKEN_FILE", value: "PATH",
      "session token file (default <node path>/token: $PK_NODE_PATH, $XDG_DATA_HOME/polykey or ~/.local/share/polykey)"
    ) { config, value throws(ConfigurationError) in config.tokenFile = value },
    Option("--descriptor-set", value: "FILE", repeatable: true,
      "binary FileDescriptorSet for JSON calls (repeatable; default: the agent's reflection)"
    ) { config, value throws(ConfigurationError) in config.descriptorSets.append(value) },
    Option("--password-file", env: "SESSION_GATEWAY_PASSWORD_FILE", value: "FILE",
      "file holding the password for re-authentication (or PK_PASSWORD); at most 12287 bytes"
    ) { config, value throws(ConfigurationError) in config.passwordFile = value },
    Option("--token", env: "PK_TOKEN", value: "TOKEN",
      "initial session token, written to the token file at start"
    ) { config, value throws(ConfigurationError) in
      // `PK_TOKEN=$(cat token)` is fine; a trailing newline is not part of the token.
      var bytes = value.utf8[...]
      while let first = bytes.first, first <= 0x20 { bytes = bytes.dropFirst() }
      while let last = bytes.last, last <= 0x20 { bytes = bytes.dropLast() }
      let token = String(decoding: bytes, as: UTF8.self)
      guard Session.isValidToken(token) else {
        throw ConfigurationError(
          "--token: not a token (1 to \(Session.maximumTokenLength) visible ASCII characters)")
      }
      config.initialToken = token
    },
    Option("--unlock-method", env: "SESSION_GATEWAY_UNLOCK_METHOD", value: "PATH",
      "gRPC method that exchanges a password for a token (default /polykey.v1.ClientService/SessionsUnlock)"
    ) { config, value throws(ConfigurationError) in
      guard GRPCMethodPath(value) != nil else {
        throw ConfigurationError(
          "--unlock-method: '\(value)' is not a gRPC method path (/package.Service/Method)")
      }
      config.unlockMethod = value
    },
    Option("--allow-uid", env: "SESSION_GATEWAY_ALLOW_UIDS", value: "UID", repeatable: true,
      "also serve this peer uid (repeatable; the env var takes a comma list; default: own uid only)"
    ) { config, value throws(ConfigurationError) in
      for part in value.split(separator: ",") {
        guard let uid = UInt32(part.trimming(" ")) else {
          throw ConfigurationError("--allow-uid: '\(part)' is not a uid")
        }
        config.allowedUIDs.insert(uid)
      }
    },
    Option("--socket-mode", env: "SESSION_GATEWAY_SOCKET_MODE", value: "OCTAL",
      "mode of the socket file (default 0600)"
    ) { config, value throws(ConfigurationError) in
      guard let mode = UInt32(value, radix: 8), mode <= 0o777 else {
        throw ConfigurationError("--socket-mode: '\(value)' is not an octal mode")
      }
      config.socketMode = mode
    },
    Option("--log-level", env: "SESSION_GATEWAY_LOG_LEVEL", value: "LEVEL",
      "trace, debug, info, notice, warning or error (default info)"
    ) { config, value throws(ConfigurationError) in
      guard let level = LogLevel(name: value) else {
        throw ConfigurationError("--log-level: unknown level '\(value)'")
      }
      config.logLevel = level
    },
    Option("--log-format", env: "SESSION_GATEWAY_LOG_FORMAT", value: "FORMAT",
      "text or json, one line per entry on stderr (default text)"
    ) { config, value throws(ConfigurationError) in
      guard let format = LogFormat(rawValue: value) else {
        throw ConfigurationError("--log-format: expected text or json, got '\(value)'")
      }
      config.logFormat = format
    },
    Option("--max-body-bytes", env: "SESSION_GATEWAY_MAX_BODY_BYTES", value: "N",
      "request body limit in bytes (default 4194304, gRPC's message limit)"
    ) { config, value throws(ConfigurationError) in
      config.maxBodyBytes = try positive(value, "--max-body-bytes", atMost: Int(Int32.max))
    },
    Option("--max-connections", env: "SESSION_GATEWAY_MAX_CONNECTIONS", value: "N",
      "connections served at once (default 1024)"
    ) { config, value throws(ConfigurationError) in
      config.maxConnections = try positive(value, "--max-connections", atMost: 1_000_000)
    },
    Option("--idle-timeout", env: "SESSION_GATEWAY_IDLE_TIMEOUT", value: "SECONDS",
      "close kept-alive connections idle this long (default 60)"
    ) { config, value throws(ConfigurationError) in
      config.idleTimeoutSeconds = try positive(value, "--idle-timeout", atMost: 31_536_000)
    },
    Option("--default-timeout", env: "SESSION_GATEWAY_DEFAULT_TIMEOUT_MS", value: "MS",
      "deadline for calls without Grpc-Timeout, in milliseconds (default 0: none)"
    ) { config, value throws(ConfigurationError) in
      guard let ms = Int(value), ms >= 0, ms <= Int(Int32.max) else {
        throw ConfigurationError(
          "--default-timeout: '\(value)' is not a number of milliseconds from 0 to \(Int32.max)")
      }
      config.defaultTimeoutMilliseconds = ms
    },
    Option("--connect-timeout", env: "SESSION_GATEWAY_CONNECT_TIMEOUT_MS", value: "MS",
      "how long to wait for the agent's connection, in milliseconds (default 5000)"
    ) { config, value throws(ConfigurationError) in
      config.connectTimeoutMilliseconds = try positive(value, "--connect-timeout", atMost: Int(Int32.max))
    },
  ]

  /// A number from 1 to `atMost`: the bounds keep later arithmetic (seconds to nanoseconds,
  /// milliseconds for curl) from overflowing.
  private static func positive(
    _ value: String, _ flag: String, atMost: Int
  ) throws(ConfigurationError) -> Int {
    guard let number = Int(value), number > 0, number <= atMost else {
      throw ConfigurationError("\(flag): '\(value)' is not a number from 1 to \(atMost)")
    }
    return number
  }

  /// Parses the environment first, then the command line (flags win), in the table's terms.
  public static func parse(
    arguments: [String], environment: [String: String]
  ) throws(ConfigurationError) -> CommandLineRequest {
    let given = try commandLineValues(arguments)
    let values: [(Option, String)]
    switch given {
    case .request(let request): return request
    case .values(let flagValues): values = flagValues
    }
    var config = Configuration(environment: environment)
    let flagsGiven = Set(values.map { $0.0.flag })
    // A variable whose flag is given is not read at all: the flag wins, even over a bad value.
    for option in options where !flagsGiven.contains(option.flag) {
      if let name = option.environment, let value = environment[name], !value.isEmpty {
        do { try option.apply(&config, value) } catch {
          // Messages start with the flag; name the variable that held the value instead.
          let prefix = option.flag + ": "
          let detail = error.description.hasPrefix(prefix)
            ? String(error.description.dropFirst(prefix.count)) : error.description
          throw ConfigurationError("\(name): \(detail)")
        }
      }
    }
    if let password = environment["PK_PASSWORD"], !password.isEmpty { config.password = password }
    for (option, value) in values { try option.apply(&config, value) }
    // systemd socket activation: one inherited socket at fd 3, meant for this process.
    if environment["LISTEN_FDS"] == "1", environment["LISTEN_PID"] == String(getpid()) {
      config.inheritedListenerFD = 3
    }
    guard config.agent != nil else {
      throw ConfigurationError("--agent is required (or SESSION_GATEWAY_AGENT); see --help")
    }
    return .run(config)
  }

  private enum CommandLine {
    case request(CommandLineRequest)
    case values([(Option, String)])
  }

  /// The flags and their values, in order, before any is applied; `--help` and `--version`
  /// answer at once.
  private static func commandLineValues(_ arguments: [String]) throws(ConfigurationError) -> CommandLine {
    var values: [(Option, String)] = []
    var index = 0
    var seen: Set<String> = []
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument == "--help" || argument == "-h" { return .request(.help(helpText)) }
      if argument == "--version" {
        return .request(.version("session-gateway \(GatewayVersion.number)"))
      }
      var flag = argument
      var inlineValue: String?
      if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
        flag = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      guard let option = options.first(where: { $0.flag == flag }) else {
        throw ConfigurationError("unknown option '\(argument)' (see --help)")
      }
      if !option.repeatable && !seen.insert(flag).inserted {
        throw ConfigurationError("\(flag) given twice")
      }
      if let inlineValue {
        values.append((option, inlineValue))
      } else {
        guard index < arguments.count else { throw ConfigurationError("\(flag) needs a value") }
        values.append((option, arguments[index]))
        index += 1
      }
    }
    return .values(values)
  }

  static var helpText: String {
    var text = """
      session-gateway \(GatewayVersion.number): owns an agent session and serves it to local tools
      as HTTP/1.1 on a Unix socket (JSON calls and gRPC-Web), calling the agent over gRPC with the
      session's token, storing the tokens it hands back. Endpoints: GET /-/methods, /-/health,
      /-/metrics; GET, PUT, DELETE /-/session; POST /-/session/unlock. README.md has a curl
      example for each.

      usage: session-gateway --agent ADDRESS [options]

      options (flag, environment variable):

      """
    for option in options {
      var line = "  " + option.flag
      if let valueName = option.valueName { line += " " + valueName }
      if let environment = option.environment { line += "  [$\(environment)]" }
      text += line + "\n      " + option.help + "\n"
    }
    text += """
        --help, --version
      PK_PASSWORD holds the password itself, as for the Polykey CLI.

      """
    return text
  }
}

