/// The gateway's version, reported by `--version` and in the agent-facing user agent.
public enum GatewayVersion {
  public static let number = "0.1.0"
  public static let userAgent = "session-gateway/\(number)"
}
