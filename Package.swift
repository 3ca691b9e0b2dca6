// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "turbocode",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "turbocode", targets: ["turbocode"]),
        .executable(name: "fake-agent", targets: ["fake-agent"]),
        .executable(name: "turbocode-bench", targets: ["TurboBench"]),
        .executable(name: "turbocode-conflict-bench", targets: ["ConflictBench"]),
        .executable(name: "turbocode-server-bench", targets: ["ServerBench"]),
        .executable(name: "turbocode-webhook-bench", targets: ["WebhookBench"]),
        .executable(name: "turbocode-orchestrator-bench", targets: ["OrchestratorBench"]),
        .executable(name: "turbocode-process-bench", targets: ["ProcessBench"]),
        .executable(name: "turbocode-claim-bench", targets: ["ClaimBench"]),
        .library(name: "TurboCore", targets: ["TurboCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", exact: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", exact: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // Domain: entities, state machine, keys, scoring, dependency graph, ports. Foundation and Logging only.
        .target(
            name: "TurboCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Agent processes: drivers per CLI, stream parsers, the supervisor (process groups, timeouts, signal ladder).
        .target(
            name: "TurboAgents",
            dependencies: ["TurboCore", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        // The store's use cases, written once as SQL over an engine's primitives (transactions, binds, rows).
        .target(
            name: "TurboSQL",
            dependencies: ["TurboCore"],
            swiftSettings: swiftSettings
        ),
        // Persistence engine: SQLite through GRDB.
        .target(
            name: "TurboSQLite",
            dependencies: ["TurboCore", "TurboSQL", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // Persistence engine: PostgreSQL through postgres-nio.
        .target(
            name: "TurboPostgres",
            dependencies: [
                "TurboCore",
                "TurboSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // git: worktrees, status, branch rules, merge simulation, conflict prediction.
        .target(
            name: "TurboGit",
            dependencies: ["TurboCore", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        // The typed REST client: types and operations generated from openapi.yaml (scripts/generate-openapi.sh; the
        // output is committed and checked against openapi.yaml by a test), with the token and refusal handling.
        .target(
            name: "TurboAPI",
            dependencies: [
                "TurboCore",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Generated/checksums.txt"],
            // Not InternalImportsByDefault: the generated files import with explicit access levels already.
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        // The REST API (Hummingbird).
        .target(
            name: "TurboHTTP",
            dependencies: [
                "TurboServices", "TurboAgents",
                "TurboCore", "TurboWebhooks", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The MCP server agents call: tool schemas and handlers over ports, stdio and Streamable HTTP glue.
        .target(
            name: "TurboMCP",
            dependencies: [
                "TurboCore", "TurboServices", "TurboHTTP", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Webhooks: Standard Webhooks signatures, the SSRF guard, the retry schedule.
        .target(
            name: "TurboWebhooks",
            dependencies: [
                "TurboCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every face shares: work, worktrees, tokens, verification, review and the merge queue, the
        // orchestrator and agent sessions, configuration. Free of HTTP, MCP and the store implementations.
        .target(
            name: "TurboServices",
            dependencies: [
                "TurboCore", "TurboGit", "TurboAgents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: database selection, the server's wiring.
        .target(
            name: "TurboApp",
            dependencies: [
                "TurboServices", "TurboCore", "TurboSQLite", "TurboPostgres", "TurboGit", "TurboHTTP", "TurboWebhooks",
                "TurboAgents", "TurboMCP", "TurboAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The thin command-line executable.
        .executableTarget(
            name: "turbocode",
            dependencies: [
                "TurboApp", "TurboServices", "TurboCore", "TurboGit", "TurboHTTP", "TurboMCP", "TurboWebhooks", "TurboAgents",
                "TurboAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TurboBench",
            dependencies: [
                "TurboApp", "TurboServices", "TurboCore", "TurboPostgres", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/TurboBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ClaimBench",
            dependencies: [
                "BenchSupport", "TurboApp", "TurboServices", "TurboCore", "TurboHTTP", "TurboPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/ClaimBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ServerBench",
            dependencies: [
                "BenchSupport", "TurboApp", "TurboServices", "TurboCore", "TurboHTTP", "TurboSQLite", "TurboSQL", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Benchmarks/ServerBench",
            swiftSettings: swiftSettings
        ),
        // Impersonates agent CLIs for tests and demos (no LLM).
        .executableTarget(name: "fake-agent", swiftSettings: swiftSettings),
        .target(name: "BenchSupport", path: "Benchmarks/BenchSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "OrchestratorBench",
            dependencies: [
                "BenchSupport", "TurboApp", "TurboServices", "TurboAgents", "TurboCore", "TurboGit", "TurboSQLite", "TurboSQL",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/OrchestratorBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WebhookBench",
            dependencies: [
                "BenchSupport", "TurboApp", "TurboServices", "TurboCore", "TurboWebhooks", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/WebhookBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ProcessBench",
            dependencies: [
                "BenchSupport", "TurboAgents", .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Benchmarks/ProcessBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ConflictBench",
            dependencies: ["TurboGit", "TurboCore"],
            path: "Benchmarks/ConflictBench",
            swiftSettings: swiftSettings
        ),
        // What every test target shares: scratch git repositories, the test PostgreSQL server.
        .target(
            name: "TurboTestSupport",
            dependencies: ["TurboCore", "TurboPostgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TurboTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "TurboCoreTests", dependencies: ["TurboCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TurboAgentsTests", dependencies: ["TurboAgents"], exclude: ["Transcripts"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TurboSQLiteTests",
            dependencies: ["TurboSQLite", "TurboSQL", "TurboCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurboPostgresTests",
            dependencies: [
                "TurboPostgres", "TurboSQL", "TurboCore", "TurboTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurboStoreConformanceTests",
            dependencies: [
                "TurboApp", "TurboServices", "TurboCore", "TurboSQLite", "TurboPostgres", "TurboTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurboGitTests", dependencies: ["TurboGit", "TurboCore", "TurboTestSupport"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurboHTTPTests",
            dependencies: [
                "TurboHTTP", "TurboCore", "TurboSQLite", "TurboSQL", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurboAppTests",
            dependencies: [
                "TurboApp", "TurboServices", "TurboCore", "TurboGit", "TurboHTTP", "TurboAgents", "TurboTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurboWebhooksTests",
            dependencies: [
                "TurboWebhooks", "TurboCore", "TurboSQLite", "TurboSQL", .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .testTarget(
            name: "TurboMCPTests",
            dependencies: [
                "TurboMCP", "TurboApp", "TurboServices", "TurboCore", "TurboGit", "TurboTestSupport",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "turbocodeTests",
            dependencies: [
                "turbocode", "fake-agent", "TurboCore", "TurboApp", "TurboServices", "TurboPostgres", "TurboTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
    ]
)
