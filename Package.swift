// swift-tools-version: 6.2
// confgate: a pre-merge gate for database connection settings.
import PackageDescription

let package = Package(
    name: "confgate",
    products: [
        .executable(name: "confgate", targets: ["confgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `--listen`: the Prometheus text format (swift-prometheus) served over a small HTTP
        // server with no SwiftNIO (FlyingFox), for the build time CI pays on every clone.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // libpq, the PostgreSQL client library, as a Swift module (apt: libpq-dev).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // Linux's epoll and eventfd (not in Glibc's Swift module), for the connections' event loop.
        .systemLibrary(name: "CEpoll"),
        // Pure and fast to test: settings, diff, lint, statistics, verdict, rendering.
        .target(
            name: "ConfgateCore",
            dependencies: [
                "CLibPQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                // Spring, Kubernetes and Helm files as node trees with a line and column on every node.
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The generic connection pool: a state machine with an injected clock; no libpq.
        .target(
            name: "ConfgatePool",
            dependencies: [],
            swiftSettings: [
                // Lets the service specialise the generic pool for its connection type: the
                // pool's lease and release are on every login's path.
                .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
            ]
        ),
        // Everything that touches a real PostgreSQL: libpq connections, the scratch
        // cluster, the test auth service and fleet, the load driver.
        .target(
            name: "ConfgatePostgres",
            dependencies: [
                "CLibPQ",
                "CEpoll",
                "ConfgateCore",
                "ConfgatePool",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // Metrics for monitoring systems: `GET /metrics` on `--listen` (MetricsEndpoint, which
        // serves any exposition closure) and `run`'s pools under HikariCP's Micrometer names.
        .target(
            name: "ConfgateMetrics",
            dependencies: [
                "ConfgateCore",
                "ConfgatePool",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        // Benchmarks that print figures (bench-login, postgres --bench): not the product's
        // library, but the command line can run them.
        .target(
            name: "ConfgateBench",
            dependencies: [
                "ConfgateCore",
                "ConfgatePostgres",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command line: nothing but wiring.
        .executableTarget(
            name: "confgate",
            dependencies: [
                "ConfgateCore",
                "ConfgatePostgres",
                "ConfgateBench",
                "ConfgateMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // git for `--against REF` (GitRevision).
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(name: "ConfgateCoreTests", dependencies: ["ConfgateCore"]),
        .testTarget(name: "ConfgatePoolTests", dependencies: ["ConfgatePool"]),
        .testTarget(
            name: "ConfgatePostgresTests",
            dependencies: ["ConfgatePostgres", "ConfgateCore", "ConfgatePool"]
        ),
        .testTarget(name: "ConfgateBenchTests", dependencies: ["ConfgateBench"]),
        .testTarget(name: "ConfgateMetricsTests", dependencies: ["ConfgateMetrics", "ConfgateCore", "ConfgatePool"]),
        // Runs the built `confgate` binary as a user would (ConfgateMetrics: a metrics page the
        // test controls, for `canary --scrape`).
        .testTarget(name: "ConfgateCLITests", dependencies: ["confgate", "ConfgateMetrics", .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)
