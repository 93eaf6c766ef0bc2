// swift-tools-version: 6.0
import PackageDescription

/// One settings array for every target: Swift 6 mode plus the upcoming features the style guide asks for.
let swiftSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "session-gateway",
  products: [
    .executable(name: "session-gateway", targets: ["session-gateway"])
  ],
  targets: [
    // C: libcurl through pkg-config, and the shims Swift cannot call directly.
    .systemLibrary(
      name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .target(name: "CGatewayShims", dependencies: ["CCurl"]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

    // Pure layers: no sockets, no files.
    .target(name: "GatewayCore", swiftSettings: swiftSettings),
    .target(name: "GatewayErrors", dependencies: ["GatewayCore"], swiftSettings: swiftSettings),
    .target(
      name: "GatewayHTTP1", dependencies: ["GatewayCore", "GatewayErrors"],
      swiftSettings: swiftSettings),
    .target(
      name: "GatewayGRPC", dependencies: ["GatewayCore", "GatewayErrors", "CZlib"],
      swiftSettings: swiftSettings),

    .target(name: "GatewayTranscoding", dependencies: ["GatewayCore"], swiftSettings: swiftSettings),

    // IO edges.
    .target(
      name: "GatewayEventLoop", dependencies: ["GatewayCore", "CGatewayShims"],
      swiftSettings: swiftSettings),
    .target(
      name: "GatewayAgentClient",
      dependencies: ["GatewayCore", "GatewayErrors", "GatewayGRPC", "GatewayEventLoop", "CCurl",
        "CGatewayShims"],
      swiftSettings: swiftSettings),
    .target(
      name: "GatewaySession", dependencies: ["GatewayCore", "GatewayErrors"],
      swiftSettings: swiftSettings),

    // Composition and the executables.
    .target(
      name: "GatewayServer",
      dependencies: ["GatewayCore", "GatewayErrors", "GatewayHTTP1", "GatewayGRPC",
        "GatewayEventLoop", "GatewayAgentClient", "GatewaySession", "GatewayTranscoding"],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "session-gateway", dependencies: ["GatewayServer"], swiftSettings: swiftSettings),
    .executableTarget(
      name: "GatewayBenchmarks",
      dependencies: [
        "GatewayCore", "GatewayHTTP1", "GatewayGRPC", "GatewayTranscoding", "CCurl", "CGatewayShims",
      ],
      exclude: ["Codec/bench.proto"],
      swiftSettings: swiftSettings),
    // The protobuf conformance suite's testee, on the same loader and codecs as the gateway.
    .executableTarget(
      name: "ConformanceTestee", dependencies: ["GatewayTranscoding"], swiftSettings: swiftSettings),

    // Tests: unit tests per pure target, integration tests against the built binary.
    .testTarget(name: "GatewayCoreTests", dependencies: ["GatewayCore"], swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewayHTTP1Tests", dependencies: ["GatewayHTTP1", "GatewayCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewayGRPCTests", dependencies: ["GatewayGRPC", "GatewayCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewaySessionTests", dependencies: ["GatewaySession", "GatewayCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewayTranscodingTests", dependencies: ["GatewayTranscoding", "GatewayCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewayErrorsTests", dependencies: ["GatewayErrors", "GatewayCore"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewayEventLoopTests", dependencies: ["GatewayEventLoop", "GatewayAgentClient"],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "GatewayIntegrationTests", dependencies: ["GatewayCore"],
      swiftSettings: swiftSettings),
  ]
)
