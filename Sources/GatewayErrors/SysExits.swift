/// sysexits(3) codes: what a shell script exits with for each kind of failure.
public enum SysExits {
  public static let usage = 64
  public static let dataError = 65
  public static let noInput = 66
  public static let noUser = 67
  public static let noHost = 68
  public static let unavailable = 69
  public static let software = 70
  public static let osError = 71
  public static let osFile = 72
  public static let cantCreate = 73
  public static let ioError = 74
  public static let temporaryFailure = 75
  public static let `protocol` = 76
  public static let noPermission = 77
  public static let config = 78
}
