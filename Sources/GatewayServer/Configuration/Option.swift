/// One command-line option: its flag, environment variable, value name and help text.
///
/// The table of these (`Configuration.options`) is the single source for parsing and `--help`.
struct Option: Sendable {
  let flag: String
  let environment: String?
  let valueName: String?
  let help: String
  let repeatable: Bool
  let apply: @Sendable (inout Configuration, String) throws(ConfigurationError) -> Void

  init(
    _ flag: String, env environment: String? = nil, value valueName: String?,
    repeatable: Bool = false, _ help: String,
    apply: @escaping @Sendable (inout Configuration, String) throws(ConfigurationError) -> Void
  ) {
    self.flag = flag
    self.environment = environment
    self.valueName = valueName
    self.help = help
    self.repeatable = repeatable
    self.apply = apply
  }
}

/// The command line or environment is wrong; the process exits with `EX_USAGE` (64).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// What the command line asked for besides running.
public enum CommandLineRequest {
  case run(Configuration)
  case help(String)
  case version(String)
}
