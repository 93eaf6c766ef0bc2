import GatewayCore
import GatewayEventLoop
import GatewayTranscoding
import Glibc

/// The schemas JSON calls are transcoded with: from `--descriptor-set` files (fixed), or from the
/// agent's server reflection, fetched at start and again when a call names a method the pool
/// does not have (the agent may have been upgraded).
///
/// The pool is immutable; a fetch replaces it whole, and calls keep the snapshot they started
/// with. Loop-bound.
final class SchemaRegistry {
  enum Lookup {
    case found(MethodDescriptor, SchemaPool)
    case notFound
    /// Reflection could not be used (agent unreachable, no reflection service).
    case unavailable(String)
  }

  private(set) var pool: SchemaPool
  /// Whether schemas come from reflection (no descriptor sets were given).
  let usesReflection: Bool
  /// A missing method triggers at most one fetch per this interval.
  static let refetchIntervalNanoseconds: UInt64 = 1_000_000_000

  /// Set by `start(server:)`; reflection calls go through its agent client.
  private weak var server: Server?
  private var fetch: ReflectionClient?
  private var waiters: [() -> Void] = []
  private var lastFetchEnded: UInt64?
  private(set) var lastFailure: String?
  private(set) var fetchesCompleted = 0
  /// Services the agent listed in the last fetch whose schema it would not give, with why:
  /// their methods are unknown, not missing (503, not 404).
  private var unresolvedServices: [String: String] = [:]

  /// Loads the descriptor sets; a schema problem throws naming the file and symbol.
  init(descriptorSetPaths: [String]) throws(ServerError) {
    usesReflection = descriptorSetPaths.isEmpty
    guard !descriptorSetPaths.isEmpty else {
      pool = .empty
      return
    }
    var sets: [[UInt8]] = []
    for path in descriptorSetPaths {
      do { sets.append(try readWholeFile(path, limit: 64 * 1024 * 1024)) } catch {
        throw ServerError("cannot read descriptor set \(path): \(error)", exitCode: 78)
      }
    }
    do { pool = try SchemaPool(fileDescriptorSets: sets, names: descriptorSetPaths) } catch {
      throw ServerError("invalid descriptor set: \(error)", exitCode: 78)
    }
    setsWithoutServices = pool.setsWithoutServices(sets, names: descriptorSetPaths)
  }

  /// Descriptor set files that define no service (an empty file is a valid, empty set): they
  /// load, but give JSON calls nothing to call, so the start logs a warning naming each.
  private(set) var setsWithoutServices: [String] = []

  /// Starts the first reflection fetch; with descriptor sets, warns about those holding no
  /// services.
  func start(server: Server) {
    self.server = server
    if usesReflection { return beginFetch() }
    for path in setsWithoutServices {
      server.logger.warning("descriptor set holds no services", ["path": path])
    }
    if pool.services.isEmpty {
      server.logger.warning("no services in the descriptor sets: every JSON call answers 404")
    }
  }

  /// Finds `path`, fetching the schemas again first when reflection is used and the method is
  /// unknown. `completion` runs on the loop, at once when nothing needs fetching.
  func lookUp(_ path: String, completion: @escaping (Lookup) -> Void) {
    if let method = pool.methodByPath[path] { return completion(.found(method, pool)) }
    guard usesReflection else { return completion(.notFound) }
    let recently =
      lastFetchEnded.map {
        MonotonicClock.now() &- $0 < Self.refetchIntervalNanoseconds
      } ?? false
    if fetch == nil && recently { return completion(answer(for: path)) }
    waiters.append { [unowned self] in completion(self.answer(for: path)) }
    if fetch == nil { beginFetch() }
  }

  /// Runs `completion` on the loop once the schemas are as current as they can be: while the
  /// first fetch runs, or after a failed one (the agent was down at start, say), `/-/methods`
  /// waits for a fetch (at most one a second) rather than listing nothing until a call
  /// happens to fetch again.
  func refreshedIfFailing(completion: @escaping () -> Void) {
    guard usesReflection, lastFailure != nil || fetch != nil else { return completion() }
    let recently =
      lastFetchEnded.map {
        MonotonicClock.now() &- $0 < Self.refetchIntervalNanoseconds
      } ?? false
    if fetch == nil && recently { return completion() }
    waiters.append(completion)
    if fetch == nil { beginFetch() }
  }

  private func answer(for path: String) -> Lookup {
    if let method = pool.methodByPath[path] { return .found(method, pool) }
    // The last fetch failed (the agent down, say): whether the method exists is not known.
    if let lastFailure { return .unavailable(lastFailure) }
    if let service = Self.serviceName(path), let reason = unresolvedServices[service] {
      return .unavailable("the agent's reflection gave no schema for \(service): \(reason)")
    }
    return .notFound
  }

  /// `pkg.Service` of `/pkg.Service/Method`.
  static func serviceName(_ path: String) -> String? {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].isEmpty, !parts[1].isEmpty else { return nil }
    return String(parts[1])
  }

  private func beginFetch() {
    guard let server else { return }
    let client = ReflectionClient(server: server) { [unowned self, unowned server] result in
      self.fetch = nil
      self.lastFetchEnded = MonotonicClock.now()
      switch result {
      case .success(let schemas):
        do {
          self.pool = try SchemaPool(fileDescriptorProtos: schemas.files)
          self.lastFailure = nil
          self.fetchesCompleted += 1
          // A service counts as unresolved until a file defines it (an agent may answer one
          // lookup with the file of another service).
          let defined = Set(self.pool.services.map(\.fullName))
          self.unresolvedServices = [:]
          for service in schemas.services where !defined.contains(service) {
            self.unresolvedServices[service] = schemas.errors[service] ?? "no file defines it"
          }
          server.logger.info(
            "schemas loaded from reflection",
            ["services": "\(self.pool.services.count)", "files": "\(schemas.files.count)"])
          if !self.unresolvedServices.isEmpty {
            server.logger.warning(
              "reflection gave no schema for some services; their calls answer 503",
              [
                "services": self.unresolvedServices.keys.sorted().joined(separator: ","),
                "error": self.unresolvedServices.values.sorted().first ?? "",
              ])
          }
        } catch {
          self.lastFailure = "the agent's schemas are invalid: \(error)"
          server.logger.warning("reflection schemas invalid", ["error": "\(error)"])
        }
      case .failure(let failure):
        self.lastFailure = failure.description
        server.logger.warning("reflection failed", ["error": failure.description])
      }
      let waiting = self.waiters
      self.waiters = []
      for waiter in waiting { waiter() }
    }
    fetch = client
    client.start()
  }
}

/// Reads a whole regular file, refusing more than `limit` bytes.
func readWholeFile(_ path: String, limit: Int) throws(ServerError) -> [UInt8] {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw ServerError(String(cString: strerror(errno))) }
  defer { close(fd) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if count < 0 {
      if errno == EINTR { continue }
      throw ServerError(String(cString: strerror(errno)))
    }
    if count == 0 { return bytes }
    bytes.append(contentsOf: buffer[0..<count])
    if bytes.count > limit { throw ServerError("larger than \(limit) bytes") }
  }
}
