// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PackageDescription

let package = Package(
    name: "swift-distill",
    products: [
        .executable(name: "swift-distill", targets: ["swift-distill"]),
        // The runtime every plugin and the launcher share: one image per node (see PluginABI.md).
        .library(name: "DistillRuntime", type: .dynamic, targets: ["DistillRuntime"]),
        .executable(name: "distill-run", targets: ["distill-run"]),
        // `swift package distill release --env prod`: the command line as a SwiftPM command plugin.
        .plugin(name: "distill", targets: ["DistillPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // MARK: - Pure core (no I/O, no Foundation: the runtime links these)
        .target(name: "DistillTerm", dependencies: ["CZlib"]),
        .target(name: "DistillRelease", dependencies: ["DistillTerm"]),
        .target(name: "DistillPlan", dependencies: ["DistillRelease", "DistillTerm"]),
        // Release tarball reader: Glibc + zlib only, so the runtime can link it.
        .target(name: "DistillArchive", dependencies: ["CZlib", "CDistillShims"]),

        // MARK: - Build side
        .target(
            name: "DistillBuild",
            dependencies: [
                "DistillArchive", "CArchive", "DistillELF", "DistillPlan", "DistillRelease", "DistillTerm",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // Reads what `swift build` wrote: ELF, fingerprints, Swift types (no Foundation).
        .target(name: "DistillELF"),

        // MARK: - The runtime (no Foundation: it ships in every release)
        .target(
            name: "DistillRuntime",
            dependencies: [
                "DistillTerm", "DistillRelease", "CDistillRuntime",
                "DistillArchive",  // the release handler unpacks release tarballs
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CDistillRuntime"),

        // MARK: - C libraries from Debian's packages
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CDistillShims"),  // Linux calls Swift's Glibc module leaves out (renameat2)
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        // MARK: - Executables (thin: argument parsing only)
        .executableTarget(
            name: "swift-distill",
            dependencies: [
                "DistillTerm",
                "DistillRelease",
                "DistillPlan",
                "DistillBuild",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .plugin(
            name: "DistillPlugin",
            capability: .command(
                intent: .custom(
                    verb: "distill",
                    description: "Build OTP-style releases (swift-distill init|release|plan|appup)"
                ),
                permissions: [
                    .writeToPackageDirectory(
                        reason: "swift-distill writes rel/config, rel/appups and the release in _build/"
                    )
                ]
            ),
            dependencies: ["swift-distill"],
            path: "Plugins/DistillPlugin"
        ),

        // The launcher reaches DistillRuntime only through dlopen (see PluginABI.md): no dependency here.
        .executableTarget(name: "distill-run"),

        // MARK: - Benchmarks (make bench): each prints its baseline in the same run
        .executableTarget(
            name: "distill-bench",
            dependencies: [
                "DistillTerm", "DistillBuild", "DistillArchive", "DistillPlan", "DistillRelease", "DistillRuntime",
                "DistillTestSupport",  // upgrade: the upgrade fixture and its release layout
            ]
        ),

        // MARK: - Tests
        .target(
            name: "DistillTestSupport",
            dependencies: ["DistillRelease", "DistillTerm"],
            path: "Sources/DistillTestSupport"
        ),
        .testTarget(
            name: "DistillRuntimeTests",
            dependencies: ["DistillRuntime", "DistillTestSupport", "DistillRelease", "DistillBuild"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DistillTermTests",
            dependencies: [
                "DistillTerm", "DistillTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DistillReleaseTests",
            dependencies: ["DistillRelease", "DistillTerm", "DistillTestSupport"],
            exclude: ["Corpus"]
        ),
        .testTarget(
            name: "DistillPlanTests",
            dependencies: ["DistillPlan", "DistillRelease", "DistillTerm", "DistillBuild", "DistillTestSupport"]
        ),
        .testTarget(
            name: "DistillArchiveTests",
            dependencies: ["DistillArchive", "DistillBuild", "DistillTestSupport"]
        ),
        .testTarget(
            name: "DistillBuildTests",
            dependencies: [
                "DistillBuild", "DistillArchive", "DistillELF", "DistillPlan", "DistillRelease", "DistillTerm",
                "DistillTestSupport",
            ]
        ),
        .testTarget(name: "DistillELFTests", dependencies: ["DistillELF", "DistillTestSupport"]),
        // Boots releases in child processes through distill-run (never DistillRuntime in-process).
        .testTarget(name: "DistillNodeTests", dependencies: ["DistillRelease", "DistillTerm", "DistillTestSupport"]),
        // The benchmarks' harness: the OTP baseline (bench/otp) builds, upgrades and downgrades.
        .testTarget(name: "BenchmarkHarnessTests", dependencies: ["distill-bench", "DistillTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))  // SE-0335
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))  // SE-0444
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))  // SE-0409
    target.swiftSettings = settings
}
