// swift-tools-version: 6.0
import PackageDescription

/// Corral: a libvirt-LXC-compatible container launcher daemon.
/// Layout and the reasons behind it: README.md, "Architecture".
let package = Package(
    name: "Corral",
    products: [
        .executable(name: "corralctl", targets: ["corralctl"]),
        .executable(name: "corrald", targets: ["corrald"]),
        .executable(name: "corral-monitor", targets: ["corral-monitor"]),
        .library(name: "CorralDomain", targets: ["CorralDomain"]),
        .library(name: "CorralRuntime", targets: ["CorralRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CLibCap", pkgConfig: "libcap",
            providers: [.apt(["libcap-dev"])]),
        .systemLibrary(
            name: "CLibSeccomp", pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(
            name: "CLibNL", pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-route-3-dev"])]),
        .target(name: "CCorralSys"),
        .target(name: "CorralDomain", dependencies: ["CLibXML2"]),
        .target(name: "CorralRuntime", dependencies: ["CorralDomain", "CCorralSys", "CLibCap", "CLibSeccomp", "CLibNL"]),
        .target(name: "CorralSupervisor", dependencies: ["CorralDomain", "CorralRuntime"]),
        .executableTarget(
            name: "corralctl",
            dependencies: [
                "CorralDomain", "CorralRuntime", "CorralSupervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "corrald",
            dependencies: [
                "CorralDomain", "CorralRuntime", "CorralSupervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "corral-monitor", dependencies: ["CorralRuntime", "CorralSupervisor"]),
        .executableTarget(
            name: "corral-bench-parse", dependencies: ["CorralDomain"],
            path: "Benchmarks/corral-bench-parse"),
        .executableTarget(
            name: "corral-floor-plan", dependencies: ["CorralDomain", "CorralRuntime"],
            path: "Benchmarks/corral-floor-plan"),
        .testTarget(
            name: "CorralDomainTests", dependencies: ["CorralDomain"],
            exclude: ["Fixtures"]),
        .testTarget(name: "CorralCLITests", dependencies: ["corralctl"]),
        .target(name: "CorralTestSupport", path: "Tests/CorralTestSupport", exclude: ["Probe"]),
        .testTarget(name: "CorralRuntimeTests", dependencies: ["CorralRuntime", "CorralTestSupport", "corralctl", "corral-floor-plan"]),
        .testTarget(name: "CorralSupervisorTests", dependencies: ["CorralSupervisor"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CorralSupervisor", "CorralTestSupport", "corrald", "corral-monitor", "corralctl"]),
    ],
    swiftLanguageModes: [.v6]
)
