import Foundation

/// A child started with `posix_spawn`, for programs that exec another (systemd-socket-activate
/// execs the gateway): Foundation's Process takes that exec for an exit and then blocks its
/// monitor thread in `wait4` until the real exit, stalling every other Process in the tests.
final class SpawnedProcess {
  let pid: pid_t

  init(_ executable: String, _ arguments: [String], output: String) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard result == 0 else { throw TestFailure("posix_spawn \(executable): \(result)") }
    self.pid = pid
  }

  deinit { stop() }

  /// SIGTERM, then SIGKILL after 5 s; reaps the child.
  func stop() {
    var status: Int32 = 0
    guard waitpid(pid, &status, WNOHANG) == 0 else { return }
    kill(pid, SIGTERM)
    for _ in 0..<500 {
      if waitpid(pid, &status, WNOHANG) != 0 { return }
      usleep(10_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
  }
}
