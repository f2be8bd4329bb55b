//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// The plugin fixture package (`Tests/DistillRuntimeTests/Fixtures/KVPlugin`: the `KVPlugin`
/// and `LabPlugin` products) built once per test run, with the `distill-run` of the same
/// build.
///
/// The build goes to `.build/fixtures/KVPlugin` of this package and is incremental, so only
/// the first run pays for compiling the runtime's dependencies (swift-nio), once for every
/// test target that uses it.
public enum PluginFixture {
    public static let fixture = Repository.root.appendingPathComponent("Tests/DistillRuntimeTests/Fixtures/KVPlugin")
    public static let scratch = Repository.root.appendingPathComponent(".build/fixtures/KVPlugin")

    /// What the build produced (debug configuration).
    public struct Built: Sendable {
        /// `distill-run`.
        public var launcher: String
        /// `libKVPlugin.so` (application `kv`).
        public var plugin: String
        /// `libLabPlugin.so` (application `lab`).
        public var lab: String
        /// `libDistillRuntime.so`.
        public var runtime: String
    }

    public struct BuildFailure: Error, CustomStringConvertible {
        public var description: String
    }

    static let built: Result<Built, BuildFailure> = {
        let swift = ProcessInfo.processInfo.environment["SWIFT_EXEC_DRIVER"] ?? "/usr/bin/env"
        let prefix = swift == "/usr/bin/env" ? ["swift"] : []
        func build(_ product: String) throws {
            try runProcess(
                swift,
                prefix + [
                    "build", "--package-path", fixture.path, "--scratch-path", scratch.path, "--product", product,
                ],
                timeout: .seconds(1200)
            )
        }
        for product in ["KVPlugin", "LabPlugin", "distill-run"] {
            do {
                try build(product)
            } catch {
                // Right after this package's manifest changes, the fixture's first build has
                // been seen to fail once and then succeed; a second failure is reported.
                do {
                    try build(product)
                } catch let second {
                    return .failure(
                        BuildFailure(
                            description: "building the plugin fixture failed:\n\(error)\nand again:\n\(second)"
                        )
                    )
                }
            }
        }
        let directory = scratch.appendingPathComponent("debug").resolvingSymlinksInPath()
        return .success(
            Built(
                launcher: directory.appendingPathComponent("distill-run").path,
                plugin: directory.appendingPathComponent("libKVPlugin.so").path,
                lab: directory.appendingPathComponent("libLabPlugin.so").path,
                runtime: directory.appendingPathComponent("libDistillRuntime.so").path
            )
        )
    }()

    /// The build (made on first use), or its failure.
    public static func get() throws -> Built { try built.get() }
}
