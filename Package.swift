// swift-tools-version: 6.1
import PackageDescription

/// Every target is compiled in the Swift 6 language mode with `ExistentialAny`, so a boxed
/// existential (and its allocation) is always spelled out where it is paid for.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "infusiond",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "InfusionCore", targets: ["InfusionCore"]),
        .library(name: "PumpHardware", targets: ["PumpHardware"]),
        .library(name: "SerialPump", targets: ["SerialPump"]),
        .library(name: "VitalsSource", targets: ["VitalsSource"]),
        .library(name: "GPIOPump", targets: ["GPIOPump"]),
        .library(name: "Journal", targets: ["Journal"]),
        .library(name: "ControlProtocol", targets: ["ControlProtocol"]),
        .library(name: "PumpSimulator", targets: ["PumpSimulator"]),
        .executable(name: "pumpsim", targets: ["pumpsim"]),
        .executable(name: "infusiond", targets: ["infusiond"]),
        .executable(name: "infusiond-sim", targets: ["infusiond-sim"]),
        .executable(name: "infusionctl", targets: ["infusionctl"]),
        .library(name: "PtyModemShim", type: .dynamic, targets: ["PtyModemShim"]),
        .library(name: "JournalIOFaultShim", type: .dynamic, targets: ["JournalIOFaultShim"]),
        .library(name: "WallClockShim", type: .dynamic, targets: ["WallClockShim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries from Debian, wrapped once each (DESIGN.md section 2).
        .systemLibrary(
            name: "CGPIOD",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        .systemLibrary(
            name: "CSerialPort",
            pkgConfig: "libserialport",
            providers: [.apt(["libserialport-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),

        // POSIX calls Swift's Glibc module hides behind _GNU_SOURCE (ptys, accept4).
        .target(name: "CPosixShims"),

        .target(
            name: "InfusionCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PumpHardware",
            dependencies: ["InfusionCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GPIOPump",
            dependencies: ["InfusionCore", "PumpHardware", "CGPIOD"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "InfusionDaemon",
            dependencies: [
                "InfusionCore", "PumpHardware", "SerialPump", "GPIOPump", "Journal", "ControlProtocol", "VitalsSource",
                "CPosixShims", "CSystemd",
            ],
            swiftSettings: strictSettings
        ),
        // The simulator as the daemon's pump: linked into infusiond-sim only (issue 16).
        .target(
            name: "InfusionDaemonSimulator",
            dependencies: ["InfusionDaemon", "InfusionCore", "PumpHardware", "PumpSimulator"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DaemonCommandLine",
            dependencies: [
                "InfusionDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "infusiond",
            dependencies: ["DaemonCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "infusiond-sim",
            dependencies: [
                "DaemonCommandLine", "InfusionDaemonSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/infusiond-sim",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "infusionctl",
            dependencies: ["ControlProtocol", "CPosixShims", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ControlProtocol", "InfusionTestSupport", "CPosixShims", "InfusionCore", "SerialPump"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InfusionDaemonTests",
            dependencies: [
                "InfusionDaemon", "InfusionDaemonSimulator", "InfusionCore", "PumpHardware", "ControlProtocol", "Journal", "PumpSimulator",
                "GPIOPump", "SerialPump", "InfusionTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ControlProtocol",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ControlProtocolTests",
            dependencies: ["ControlProtocol", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Journal",
            dependencies: ["InfusionCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: ["Journal", "InfusionCore", "InfusionTestSupport"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SerialPump",
            dependencies: ["InfusionCore", "PumpHardware", "CSerialPort", "CPosixShims"],
            swiftSettings: strictSettings
        ),
        // The bedside pulse oximeter (issue 17): its line protocol, and the thread that reads it.
        .target(
            name: "VitalsSource",
            dependencies: ["InfusionCore", "SerialPump", "CPosixShims"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PumpSimulator",
            dependencies: [
                "InfusionCore",
                "PumpHardware",
                "VitalsSource",
                "CPosixShims",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            path: "simulator/PumpSimulator",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "pumpsim",
            dependencies: [
                "PumpSimulator",
                "InfusionCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "simulator/pumpsim",
            swiftSettings: strictSettings
        ),

        // The serial path's test rig: a test-only LD_PRELOAD library that lets libserialport open
        // a pty (docs/testing.md), and a harness that runs the core through the real driver.
        .target(name: "PtyModemShim", path: "Tests/PtyModemShim"),
        // The storage-fault test's disk: a test-only LD_PRELOAD library that fails the journal
        // directory's writes and syncs with EIO while a trigger file exists.
        .target(name: "JournalIOFaultShim", path: "Tests/JournalIOFaultShim"),
        // The clock-step test's wall clock: CLOCK_REALTIME offset by a file's seconds.
        .target(name: "WallClockShim", path: "Tests/WallClockShim"),
        // Every child a test starts goes through it: it closes what the child inherited by the
        // race of many tests spawning at once (Tests/InfusionTestSupport/Launch.swift).
        .executableTarget(name: "spawn-trampoline", path: "Tests/SpawnTrampoline"),
        .executableTarget(
            name: "serialpump-harness",
            dependencies: ["SerialPump", "InfusionCore", "PumpHardware"],
            path: "Tests/SerialHarness",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "socket-roundtrip",
            dependencies: ["CPosixShims"],
            path: "Benchmarks/SocketRoundTrip",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "socket-flood",
            dependencies: ["CPosixShims"],
            path: "Benchmarks/SocketFlood",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "serial-roundtrip",
            dependencies: ["SerialPump", "PumpHardware"],
            path: "Benchmarks/SerialRoundTrip",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SerialPumpTests",
            dependencies: ["SerialPump", "PumpSimulator", "InfusionCore", "PumpHardware", "InfusionTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VitalsSourceTests",
            dependencies: ["VitalsSource", "InfusionCore"],
            swiftSettings: strictSettings
        ),

        // What the fuzzers feed each input to (`Fuzz/`), and the test that replays their seeds and
        // every crash they have found, in every ordinary test run.
        .target(
            name: "FuzzTargets", dependencies: ["ControlProtocol", "PumpHardware", "SerialPump", "InfusionCore", "VitalsSource"], path: "Fuzz/Targets",
            swiftSettings: strictSettings),
        .testTarget(
            name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "InfusionTestSupport", "InfusionCore"], swiftSettings: strictSettings),

        // The GPIO path in the kernel (docs/testing.md): the backend and core in a real-time
        // loop, and the checker that drives and watches it through gpio-sim inside a qemu guest.
        .executableTarget(
            name: "gpiopump-harness",
            dependencies: [
                "GPIOPump", "InfusionCore", "PumpHardware", "PumpSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/GPIOHarness",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "gpio-sim-check",
            dependencies: ["PumpHardware", "InfusionCore", "GPIOPump"],
            path: "Tests/GPIOSimCheck",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GPIOPumpTests",
            dependencies: ["GPIOPump", "PumpSimulator", "InfusionCore", "PumpHardware", "InfusionTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CGPIOD", "CSerialPort", "CSystemd"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "InfusionTestSupport",
            dependencies: ["InfusionCore", "CPosixShims"],
            path: "Tests/InfusionTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InfusionCoreTests",
            dependencies: [
                "InfusionCore",
                "InfusionTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PumpHardwareTests",
            dependencies: [
                "PumpHardware",
                "InfusionCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PumpSimulatorTests",
            dependencies: [
                "PumpSimulator",
                "InfusionTestSupport",
                "InfusionCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

/// Benchmarks (ordo-one/benchmark, with malloc counting) are declared only when asked for, so
/// `swift build` and `swift test` never build the benchmark framework: `scripts/bench` sets
/// INFUSIOND_BENCHMARKS=1 and runs `swift package --disable-sandbox benchmark`.
if Context.environment["INFUSIOND_BENCHMARKS"] == "1" {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "InfusionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "InfusionCore",
                "PumpHardware",
                "GPIOPump",
                "PumpSimulator",
                "SerialPump",
            ],
            path: "Benchmarks/InfusionBenchmarks",
            swiftSettings: strictSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}

/// Coverage-guided fuzzers (libFuzzer, through `-sanitize=fuzzer`), declared only when asked for,
/// since they link only with the sanitizer: `scripts/fuzz` sets INFUSIOND_FUZZ=1 and builds them
/// into `.build-fuzz`. Each `main.swift` hands its input function to libFuzzer's driver
/// (`FuzzerMain`).
if Context.environment["INFUSIOND_FUZZ"] == "1" {
    package.targets.append(contentsOf: [
        .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .target(name: "FuzzerMain", dependencies: ["CFuzzerDriver"], path: "Fuzz/FuzzerMain"),
        .executableTarget(name: "control-request-fuzz", dependencies: ["FuzzTargets", "FuzzerMain"], path: "Fuzz/ControlRequestFuzz"),
        .executableTarget(name: "ne1000-reply-fuzz", dependencies: ["FuzzTargets", "FuzzerMain"], path: "Fuzz/NE1000ReplyFuzz"),
        .executableTarget(name: "oximeter-line-fuzz", dependencies: ["FuzzTargets", "FuzzerMain"], path: "Fuzz/OximeterLineFuzz"),
        .executableTarget(
            name: "library-program-fuzz", dependencies: ["FuzzTargets", "FuzzerMain", "InfusionCore"], path: "Fuzz/LibraryProgramFuzz"),
    ])
}
