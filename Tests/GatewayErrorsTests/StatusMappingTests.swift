import GatewayCore
import GatewayErrors
import Testing

/// Every row of the contract's error tables (interface.md, "Errors") is one test argument.
@Suite struct StatusMappingTests {
  /// "An agent error with only a gRPC status": HTTP status by gRPC status.
  static let grpcToHTTP: [(GRPCStatusCode, Int)] = [
    (.invalidArgument, 400), (.failedPrecondition, 400), (.outOfRange, 400),
    (.unauthenticated, 401),
    (.permissionDenied, 403),
    (.notFound, 404),
    (.alreadyExists, 409), (.aborted, 409),
    (.resourceExhausted, 429),
    (.cancelled, 499),
    (.unknown, 500), (.internal, 500), (.dataLoss, 500),
    (.unimplemented, 501),
    (.unavailable, 503),
    (.deadlineExceeded, 504),
  ]

  @Test(arguments: grpcToHTTP)
  func httpStatusForGRPCStatus(code: GRPCStatusCode, http: Int) {
    #expect(StatusMapping.httpStatus(for: code) == http)
  }

  /// A peer may send a number outside 0...16; it is treated like UNKNOWN.
  @Test(arguments: [-1, 17, 99, Int(Int32.max)])
  func codesOutsideTheTableAre500(rawValue: Int) {
    #expect(StatusMapping.httpStatus(for: GRPCStatusCode(rawValue: rawValue)) == 500)
  }

  /// "An agent error with only a gRPC status": exit code by HTTP status; plus the rows of
  /// "Other errors" whose exit code follows from the status alone (405, 413).
  static let httpToExitCode: [(Int, Int)] = [
    (400, 65), (409, 65),
    (403, 77),
    (404, 66),
    (429, 75), (499, 75), (504, 75),
    (500, 70),
    (501, 64),
    (503, 69),
    (405, 64),
    (413, 65),
  ]

  @Test(arguments: httpToExitCode)
  func exitCodeForHTTPStatus(http: Int, exitCode: Int) {
    #expect(StatusMapping.exitCode(forHTTPStatus: http) == exitCode)
  }

  /// 401 is not in the "by HTTP status" list (session errors carry their own exit code); the
  /// default is the no-token row's 77.
  @Test func unauthorizedDefaultsToNoPermission() {
    #expect(StatusMapping.exitCode(forHTTPStatus: 401) == SysExits.noPermission)
  }

  @Test(arguments: [200, 402, 418, 502, 505, 599])
  func otherHTTPStatusesAreSoftwareErrors(http: Int) {
    #expect(StatusMapping.exitCode(forHTTPStatus: http) == SysExits.software)
  }

  /// "An agent error carried in the `error` trailer": HTTP status by its exit code.
  static let exitCodeToHTTP: [(Int, Int)] = [
    (64, 400), (65, 400),
    (66, 404), (67, 404),
    (69, 503), (75, 503),
    (77, 403),
    // "others → 500"
    (68, 500), (70, 500), (71, 500), (72, 500), (73, 500), (74, 500), (76, 500), (78, 500),
    (0, 500), (1, 500), (63, 500), (79, 500), (255, 500), (-1, 500),
  ]

  @Test(arguments: exitCodeToHTTP)
  func httpStatusForExitCode(exitCode: Int, http: Int) {
    #expect(StatusMapping.httpStatus(forExitCode: exitCode) == http)
  }

  /// Chaining the two gRPC tables gives the contract's exit code for every gRPC status.
  static let grpcToExitCode: [(GRPCStatusCode, Int)] = [
    (.invalidArgument, 65), (.failedPrecondition, 65), (.outOfRange, 65),
    (.permissionDenied, 77), (.notFound, 66), (.alreadyExists, 65), (.aborted, 65),
    (.resourceExhausted, 75), (.cancelled, 75), (.deadlineExceeded, 75),
    (.unknown, 70), (.internal, 70), (.dataLoss, 70),
    (.unimplemented, 64), (.unavailable, 69),
  ]

  @Test(arguments: grpcToExitCode)
  func gatewayErrorFromGRPCStatusCarriesTheExitCode(code: GRPCStatusCode, exitCode: Int) {
    let error = GatewayError.gateway("Test", code, "m")
    #expect(error.httpStatus == StatusMapping.httpStatus(for: code))
    #expect(error.exitCode == exitCode)
    #expect(error.type == "ErrorGatewayTest")
  }

  /// "Other errors" made by the gateway itself, with the gRPC code the contract names.
  static let gatewayErrors: [(GRPCStatusCode, Int?, Int, Int)] = [
    (.invalidArgument, nil, 400, 65),  // bad body
    (.resourceExhausted, 413, 413, 65),  // body over the size limit
    (.unavailable, nil, 503, 69),  // agent unreachable
    (.deadlineExceeded, nil, 504, 75),  // deadline exceeded
    (.unimplemented, 405, 405, 64),  // wrong HTTP method
  ]

  @Test(arguments: gatewayErrors)
  func gatewayMadeErrors(code: GRPCStatusCode, override: Int?, http: Int, exitCode: Int) {
    let error = GatewayError.gateway("X", code, "m", httpStatus: override)
    #expect(error.httpStatus == http)
    #expect(error.exitCode == exitCode)
    #expect(error.code == code)
  }

  @Test func explicitExitCodeWins() {
    let error = GatewayError(
      type: "ErrorSessionTokenInvalid", code: .unauthenticated, httpStatus: 401,
      message: "Invalid JWT Token, please reauthenticate.", exitCode: 65, grpcStatus: 2)
    #expect(error.exitCode == 65)
    #expect(error.grpcStatus == 2)
  }
}
