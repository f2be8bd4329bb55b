//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// `swift package distill ...`: the SwiftPM command plugin runs swift-distill on the package.
/// `swift package` holds the lock on `.build` meanwhile, so the plugin builds in a scratch
/// directory of its own; the first run compiles the package there (about two minutes here),
/// later runs are incremental. `DISTILL_SKIP_PLUGIN_TEST=1` skips it.
struct CommandPluginTests {
    static let enabled = ProcessInfo.processInfo.environment["DISTILL_SKIP_PLUGIN_TEST"] != "1"

    @Test(.enabled(if: enabled, "DISTILL_SKIP_PLUGIN_TEST=1"), .timeLimit(.minutes(20)))
    func swiftPackageDistillBuildsTheSameRelease() async throws {
        let reference = try await KVReleases.v010()
        let swift = try #require(Toolchain.swift)
        try await FixtureWorkspace.kv.withVersion("0.1.0") { directory in
            let output = try await offloaded {
                try runProcess(
                    swift,
                    [
                        "package", "--allow-writing-to-package-directory", "distill", "release", "--env", "dev",
                        "--json",
                    ],
                    currentDirectory: directory,
                    timeout: .seconds(1200)
                )
            }
            let json = try #require(output.firstIndex(of: "{").map { String(output[$0...]) })
            let result = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(result?["version"] as? String == "0.1.0")
            // Built in another directory, by the plugin: the same runtime version and the same
            // snapshot (the bytes differ: debug information names the build directory).
            #expect(result?["erts_version"] as? String == reference.result.ertsVersion)
            let root = try #require(result?["path"] as? String)
            let snapshot = "lib/kv-0.1.0/ebin/kv.snapshot"
            #expect(
                try String(contentsOfFile: root + "/" + snapshot, encoding: .utf8)
                    == String(contentsOfFile: reference.root + "/" + snapshot, encoding: .utf8)
            )
            #expect(
                FileManager.default.fileExists(
                    atPath: directory.path + "/.build/plugins/DistillPlugin/outputs/build/debug/libKV.so"
                )
            )
        }
    }
}
