//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// The upgrade fixture package (`Tests/DistillRuntimeTests/Fixtures/UpgradePlugins`: kv
/// 0.1.0 to 0.4.0 as the products `KV1` to `KV4`) built with the `distill-run`
/// and `libDistillRuntime.so` of the same build, so that the plugins' runtime fingerprint is
/// that runtime's.
///
/// The build goes to `.build/fixtures/UpgradePlugins` and is incremental.
public enum UpgradeFixture {
    public static let fixture = Repository.root.appendingPathComponent(
        "Tests/DistillRuntimeTests/Fixtures/UpgradePlugins"
    )
    public static let scratch = Repository.root.appendingPathComponent(".build/fixtures/UpgradePlugins")

    /// What a build produced.
    public struct Built: Sendable {
        /// `distill-run`.
        public var launcher: String
        /// `libDistillRuntime.so`.
        public var runtime: String
        /// The plugins by application version: `"0.1.0"` → `libKV1.so`, ...
        public var plugins: [String: String]
        /// ``DistillRuntime/RuntimeImage/fingerprint`` of `runtime` (`distill-run version`).
        public var fingerprint: String
    }

    public struct BuildFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The products and the application versions they are.
    public static let versions = ["0.1.0": "KV1", "0.2.0": "KV2", "0.3.0": "KV3", "0.4.0": "KV4"]

    /// Builds the fixture in `configuration` (`debug` or `release`).
    public static func build(configuration: String) -> Result<Built, BuildFailure> {
        let swift = ProcessInfo.processInfo.environment["SWIFT_EXEC_DRIVER"] ?? "/usr/bin/env"
        let prefix = swift == "/usr/bin/env" ? ["swift"] : []
        func build(_ product: String) throws {
            try runProcess(
                swift,
                prefix + [
                    "build", "--package-path", fixture.path, "--scratch-path", scratch.path,
                    "--configuration", configuration, "--product", product,
                ],
                timeout: .seconds(1800)
            )
        }
        for product in versions.values.sorted() + ["distill-run"] {
            do {
                try build(product)
            } catch {
                do {
                    try build(product)
                } catch let second {
                    return .failure(
                        BuildFailure(
                            description: "building the upgrade fixture failed:\n\(error)\nand again:\n\(second)"
                        )
                    )
                }
            }
        }
        let directory = scratch.appendingPathComponent(configuration).resolvingSymlinksInPath()
        let launcher = directory.appendingPathComponent("distill-run").path
        let fingerprint: String
        do {
            // {abi, N} and {fingerprint, "..."}: the runtime's build-id.
            let output = try runProcess(launcher, ["version"])
            guard let start = output.range(of: "{fingerprint,\""),
                let end = output[start.upperBound...].firstIndex(of: "\"")
            else { return .failure(BuildFailure(description: "distill-run version printed \(output)")) }
            fingerprint = String(output[start.upperBound..<end])
        } catch {
            return .failure(BuildFailure(description: "distill-run version failed: \(error)"))
        }
        return .success(
            Built(
                launcher: launcher,
                runtime: directory.appendingPathComponent("libDistillRuntime.so").path,
                plugins: versions.mapValues { directory.appendingPathComponent("lib\($0).so").path },
                fingerprint: fingerprint
            )
        )
    }

    static let debug = build(configuration: "debug")

    /// The debug build (made on first use), or its failure.
    public static func get() throws -> Built { try debug.get() }
}
