public import Dispatch
public import GatewayEventLoop
import Glibc

/// SIGTERM and SIGINT stop the loop.
///
/// The handlers run on a dispatch queue, so they are built here, in nonisolated code: a closure
/// written in `main.swift` would be main-actor isolated and trap when dispatch calls it.
public enum StopSignals {
  /// Installs the handlers; keep the returned sources alive for the process's lifetime.
  public static func install(stopping handle: EventLoopHandle) -> [any DispatchSourceSignal] {
    // A parent may have started us with signals blocked (Foundation's Process does).
    var stopSignals = sigset_t()
    sigemptyset(&stopSignals)
    sigaddset(&stopSignals, SIGTERM)
    sigaddset(&stopSignals, SIGINT)
    sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
    var sources: [any DispatchSourceSignal] = []
    for signalNumber in [SIGTERM, SIGINT] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler(handler: stopHandler(handle))
      source.resume()
      sources.append(source)
    }
    return sources
  }

  private static func stopHandler(_ handle: EventLoopHandle) -> @Sendable () -> Void {
    { handle.stop() }
  }
}
