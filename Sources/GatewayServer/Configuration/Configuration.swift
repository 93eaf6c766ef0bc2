public import GatewayAgentClient
public import GatewayCore
import Glibc

/// Everything the gateway is told at start, each setting with a safe default.
public struct Configuration: Sendable {
  /// The Unix socket to serve.
  public var listenPath: String
  /// The agent to call (required).
  public var agent: AgentAddress?
  public var agentCAFile: String?
  public var tokenFile: String
  public var descriptorSets: [String] = []
  public var passwordFile: String?
  public var password: String?
  public var initialToken: String?
  public var unlockMethod = Configuration.defaultUnlockMethod
  /// Polykey's unlock method, whose messages the gateway knows without a schema.
  public static let defaultUnlockMethod = "/polykey.v1.ClientService/SessionsUnlock"
  /// Peer uids allowed to connect; the gateway's own uid is always allowed.
  public var allowedUIDs: Set<UInt32> = []
  /// Mode of the socket file (default 0600: only the user).
  public var socketMode: UInt32 = 0o600
  public var logLevel: LogLevel = .info
  public var logFormat: LogFormat = .text
  /// Request body limit (default 4 MiB, gRPC's default message limit).
  public var maxBodyBytes = 4 * 1024 * 1024
  /// Connections served at once; more wait in the listen backlog (default 1024).
  public var maxConnections = 1024
  /// A kept-alive connection with no request for this long is closed (default 60 s).
  public var idleTimeoutSeconds = 60
  /// Deadline for calls that send no `Grpc-Timeout` (default 0: none, as in gRPC).
  public var defaultTimeoutMilliseconds = 0
  /// How long to wait for the agent's connection (default 5000 ms).
  public var connectTimeoutMilliseconds = 5_000
  /// A listening socket inherited from systemd (`LISTEN_FDS`), used instead of binding.
  public var inheritedListenerFD: Int32?
  /// Bytes buffered for a slow caller before the agent's stream is paused (default 256 KiB).
  public var responseBufferBytes = 256 * 1024

  public init(environment: [String: String]) {
    listenPath = Self.defaultListenPath(environment)
    tokenFile = Self.defaultTokenFile(environment)
  }

  /// `$XDG_RUNTIME_DIR/session-gateway.sock`, else a private directory under /tmp for the uid.
  static func defaultListenPath(_ environment: [String: String]) -> String {
    if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
      return runtime + "/session-gateway.sock"
    }
    return "/tmp/session-gateway-\(getuid())/session-gateway.sock"
  }

  /// `<node path>/token`: `PK_NODE_PATH`, else `$XDG_DATA_HOME/polykey`, else `~/.local/share/polykey`.
  static func defaultTokenFile(_ environment: [String: String]) -> String {
    if let node = environment["PK_NODE_PATH"], !node.isEmpty { return node + "/token" }
    if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/polykey/token" }
    let home = environment["HOME"] ?? "/"
    return home + "/.local/share/polykey/token"
  }
}
