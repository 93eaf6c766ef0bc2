import GatewayCore
import GatewayGRPC
import GatewayHTTP1

/// Micro benchmarks of the sans-IO layers, no IO. Each runs `runs` timed runs after a warm-up;
/// the figure is the median ns/op, also given as a ratio to a baseline measured in the same
/// process (copying the request's bytes into a new array), since the machine is noisy.
enum MicroBenchmarks {
  static let typicalRequestHead =
    "POST /bench.Echo/Echo HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/7.88.1\r\n"
    + "Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\nGrpc-Timeout: 10S\r\n"
    + "Content-Length: 105\r\n\r\n"

  /// The head and a 105-byte gRPC frame body: what the e2e benchmark's client sends.
  static let typicalRequest: [UInt8] = {
    var bytes = Array(typicalRequestHead.utf8)
    bytes += [0, 0, 0, 0, 100]
    bytes += (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    return bytes
  }()

  static let frame: [UInt8] = Array(typicalRequest.suffix(105))

  /// Times `body(iterations)`; calibrates iterations so a run lasts about `runMilliseconds`.
  static func measure(runs: Int, runMilliseconds: Double, _ body: (Int) -> Void) -> Double {
    var iterations = 64
    while true {
      let start = nowNanoseconds()
      body(iterations)
      let elapsed = Double(nowNanoseconds() - start)
      if elapsed > runMilliseconds * 1e6 / 4 || iterations > 1 << 28 {
        iterations = max(1, Int(Double(iterations) * runMilliseconds * 1e6 / max(elapsed, 1)))
        break
      }
      iterations *= 4
    }
    body(iterations)  // warm-up
    var perOperation: [Double] = []
    for _ in 0..<runs {
      let start = nowNanoseconds()
      body(iterations)
      perOperation.append(Double(nowNanoseconds() - start) / Double(iterations))
    }
    return median(perOperation)
  }

  static func run(selected: (String) -> Bool, runs: Int, figures: inout Figures) {
    let runMilliseconds = 40.0
    let request = typicalRequest
    let frame = self.frame
    var benchmarks: [(String, String, (Int) -> Void)] = []

    benchmarks.append(("baseline.copy-request", "copy the \(request.count) request bytes into a new array", { n in
      request.withUnsafeBytes { raw in
        for _ in 0..<n { blackHole(Array(raw)) }
      }
    }))

    benchmarks.append(("http1.parser", "HTTPRequestParser: append the request, pull head, body, end", { n in
      var parser = HTTPRequestParser()
      request.withUnsafeBytes { raw in
        for _ in 0..<n {
          parser.append(raw)
          while let event = try! parser.next() {
            if case .end = event { break }
            blackHole(event)
          }
        }
      }
    }))

    let responseHead = HTTPResponseHead(status: 200, framing: .chunked)
    benchmarks.append(("http1.connection", "HTTPConnectionStateMachine: a keep-alive request and its response", { n in
      var machine = HTTPConnectionStateMachine()
      request.withUnsafeBytes { raw in
        for _ in 0..<n {
          machine.bytesReceived(raw)
          loop: while true {
            let action = machine.nextAction()
            switch action {
            case .receivedHead, .receivedBodyPart: blackHole(action)
            case .receivedEnd, .waitForResponse: break loop
            default: fatalError("unexpected \(action)")
            }
          }
          _ = try! machine.responseStarted(responseHead)
          try! machine.responseEnded()
        }
      }
    }))

    benchmarks.append(("grpc.deframe-message", "GRPCMessageDeframer: append a 105-byte frame, next() message", { n in
      var deframer = GRPCMessageDeframer()
      frame.withUnsafeBytes { raw in
        for _ in 0..<n {
          deframer.append(raw)
          blackHole(try! deframer.next())
        }
      }
    }))

    benchmarks.append(("grpc.deframe-passthrough", "GRPCMessageDeframer: append a 105-byte frame, nextFrames()", { n in
      var deframer = GRPCMessageDeframer()
      frame.withUnsafeBytes { raw in
        for _ in 0..<n {
          deframer.append(raw)
          blackHole(try! deframer.nextFrames())
        }
      }
    }))

    let okStatus = GRPCStatus(code: .ok)
    benchmarks.append(("grpcweb.trailers-ok", "GRPCWebTrailers.appendFrame: status OK", { n in
      var output: [UInt8] = []
      output.reserveCapacity(256)
      for _ in 0..<n {
        output.removeAll(keepingCapacity: true)
        GRPCWebTrailers.appendFrame(for: okStatus, to: &output)
        blackHole(output)
      }
    }))

    let errorStatus = GRPCStatus(
      code: .notFound, message: "vault 'work' not found",
      metadata: Metadata([("x-request-id", "8d1f2c3a"), ("authorization", "Bearer bench-1")]))
    benchmarks.append(("grpcweb.trailers-error", "GRPCWebTrailers.appendFrame: error, message, 2 metadata", { n in
      var output: [UInt8] = []
      output.reserveCapacity(256)
      for _ in 0..<n {
        output.removeAll(keepingCapacity: true)
        GRPCWebTrailers.appendFrame(for: errorStatus, to: &output)
        blackHole(output)
      }
    }))

    say()
    say("micro: median of \(runs) runs of ~\(format(runMilliseconds, 0)) ms each; ratio = ns/op / baseline ns/op")
    say(pad("benchmark", 26, left: true) + pad("ns/op", 10) + pad("x base", 9) + "  what")
    var baseline = Double.nan
    for (name, what, body) in benchmarks where name.hasPrefix("baseline") || selected(name) {
      let nanoseconds = measure(runs: runs, runMilliseconds: runMilliseconds, body)
      if name.hasPrefix("baseline") { baseline = nanoseconds }
      say(
        pad(name, 26, left: true) + pad(format(nanoseconds, 1), 10)
          + pad(format(nanoseconds / baseline, 2), 9) + "  " + what)
      figures.add("micro.\(name).ns_per_op", nanoseconds, unit: "ns", decimals: 1)
      if !name.hasPrefix("baseline") {
        figures.add("micro.\(name).x_baseline", nanoseconds / baseline, unit: "ratio", decimals: 2)
      }
    }
  }
}
