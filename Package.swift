// swift-tools-version:6.2
import PackageDescription

// One module per concern; the `sdetkit` executable is a thin shell over them.
let package = Package(
    name: "sdetkit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sdetkit", targets: ["sdetkit"]),
        .executable(name: "sdetkit-sandbox", targets: ["sdetkit-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // The server: Hummingbird 2 (without swift-configuration), its lifecycle, metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // `agent serve send` (the HTTP client side).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries (Debian's libgit2-dev and libsqlite3-dev), linked statically from their
        // archives: see the module maps and docs/benchmarks.md ("Start-up"). No pkg-config here on
        // purpose: SwiftPM would add its `-lgit2`, which the linker resolves to the shared library.
        .systemLibrary(name: "CLibGit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),

        // Records, canonical JSON, hashing, atomic files, errors.
        .target(name: "SdetkitCore", dependencies: [
            "COpenat2", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // openat2(2) for opening state files beneath the repository without following links.
        .target(name: "COpenat2"),
        // config.yaml: model, validation with line numbers, migration.
        .target(name: "SdetkitConfig", dependencies: [
            "SdetkitCore", .product(name: "Yams", package: "Yams"),
        ]),
        // The only code that touches libgit2.
        .target(name: "SdetkitGit", dependencies: ["SdetkitCore", "CLibGit2", "CGitStartup"]),
        // libgit2 start-up without parsing the system CA bundle (sdetkit never uses libgit2's network),
        // and Kerberos loaded only if libgit2 ever asks for it.
        .target(name: "CGitStartup", dependencies: ["CLibGit2"], linkerSettings: [
            .linkedLibrary("dl"),
            .unsafeFlags(["-Xlinker", "--wrap=mbedtls_x509_crt_parse_file",
                          "-Xlinker", "--wrap=mbedtls_x509_crt_parse_path"]),
        ]),
        // Content-addressed objects, append-only ledger, SQLite index.
        .target(name: "SdetkitStore", dependencies: ["SdetkitCore", "CSQLite"]),
        // The one policy engine: write allowlist, shell allowlist, approvals, audit log.
        .target(name: "SdetkitPolicy", dependencies: ["SdetkitCore", "SdetkitConfig"]),
        // Landlock's system calls (the kernel sandbox for commands).
        .target(name: "CLandlock"),
        // Actions, planner, orchestration of a run into a record in the store.
        .target(name: "SdetkitEngine", dependencies: [
            "SdetkitCore", "SdetkitConfig", "SdetkitGit", "SdetkitStore", "SdetkitPolicy", "CLandlock",
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Repository audit rules, scoring, SARIF.
        .target(name: "SdetkitAudit", dependencies: [
            "SdetkitCore", "SdetkitGit", "SdetkitEngine", .product(name: "Yams", package: "Yams"),
        ]),
        // Template pack: schema, interpolation, runner, pack/verify.
        .target(name: "SdetkitTemplates", dependencies: [
            "SdetkitCore", "SdetkitEngine", "SdetkitGit", .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Dashboards and exports from the history index.
        .target(name: "SdetkitReports", dependencies: ["SdetkitCore", "SdetkitStore", "SdetkitEngine"]),
        // The composition root: the action registry of every module, replay, and the run coordinator that
        // serialises runs per repository (what the CLI and a server call).
        .target(name: "SdetkitRuntime", dependencies: [
            "SdetkitCore", "SdetkitConfig", "SdetkitGit", "SdetkitPolicy", "SdetkitEngine", "SdetkitAudit", "SdetkitTemplates", "SdetkitReports",
            "SdetkitStore",
        ]),
        // Demo scenarios.
        .target(name: "SdetkitDemo", dependencies: [
            "SdetkitCore", "SdetkitEngine", "SdetkitAudit", "SdetkitTemplates", "SdetkitReports", "SdetkitStore", "SdetkitRuntime",
        ]),
        // `agent serve`: webhooks, Slack and Telegram simulation, run API, its SQLite store and run queue.
        .target(name: "SdetkitServe", dependencies: [
            "SdetkitCore", "SdetkitConfig", "SdetkitStore", "SdetkitEngine", "SdetkitAudit", "SdetkitReports", "SdetkitRuntime", "CSQLite",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "sdetkit", dependencies: [
            "SdetkitCore", "SdetkitConfig", "SdetkitGit", "SdetkitStore", "SdetkitPolicy", "SdetkitEngine",
            "SdetkitAudit", "SdetkitTemplates", "SdetkitReports", "SdetkitDemo", "SdetkitRuntime", "SdetkitServe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // Built with sdetkit and installed beside it: the small sandbox launcher (SandboxLauncher).
            "sdetkit-sandbox",
        ]),
        // The sandbox launcher as a small C program: a sandboxed command starts in ~1 ms instead of the
        // several it takes to start sdetkit itself (which stays the fallback).
        .executableTarget(name: "sdetkit-sandbox", dependencies: ["CLandlock"]),

        // Benchmark helper: synthetic histories and repositories, built through the library (scripts/bench.sh).
        .executableTarget(name: "sdetkit-bench", dependencies: ["SdetkitAudit", "SdetkitCore", "SdetkitStore"]),

        .testTarget(name: "SdetkitCoreTests", dependencies: ["SdetkitCore"]),
        .testTarget(name: "SdetkitConfigTests", dependencies: ["SdetkitConfig"]),
        .testTarget(name: "SdetkitGitTests", dependencies: ["SdetkitGit", "CGitStartup"]),
        .testTarget(name: "SdetkitStoreTests", dependencies: ["SdetkitStore"]),
        .testTarget(name: "SdetkitPolicyTests", dependencies: ["SdetkitPolicy"]),
        .testTarget(name: "SdetkitEngineTests", dependencies: ["SdetkitEngine"]),
        .testTarget(name: "SdetkitAuditTests", dependencies: ["SdetkitAudit"], resources: [.copy("Data")]),
        .testTarget(name: "SdetkitTemplatesTests", dependencies: ["SdetkitTemplates", "SdetkitAudit", "SdetkitReports", "SdetkitDemo", "SdetkitRuntime"]),
        .testTarget(name: "SdetkitReportsTests", dependencies: ["SdetkitReports"]),
        .testTarget(name: "SdetkitDemoTests", dependencies: ["SdetkitDemo", "SdetkitRuntime"]),
        .testTarget(name: "SdetkitRuntimeTests", dependencies: ["SdetkitRuntime"]),
        .testTarget(name: "SdetkitServeTests", dependencies: [
            "SdetkitServe", "SdetkitConfig", "SdetkitRuntime", .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"), .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        // Black-box tests of the built `sdetkit` binary (exit codes, processes racing on one history).
        .testTarget(name: "SdetkitCLITests", dependencies: ["SdetkitCore", "sdetkit"]),
    ]
)
