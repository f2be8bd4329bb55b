//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// The upgrade fixture's runtime, prepared for release trees: a copy of its
/// `libDistillRuntime.so` with the SONAME a release needs (PluginABI.md).
public enum UpgradeRuntime {
    public struct Prepared: Sendable {
        public var built: UpgradeFixture.Built
        /// The directory holding the patched library (`erts-VSN/lib` links to it).
        public var library: String
    }

    /// The fixture built in `configuration`, with its runtime prepared.
    public static func prepare(configuration: String) throws -> Prepared {
        let built = try
            (configuration == "debug" ? UpgradeFixture.debug : UpgradeFixture.build(configuration: configuration)).get()
        let directory = UpgradeFixture.scratch.appendingPathComponent("release-runtime-\(configuration)/lib")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let library = directory.appendingPathComponent("libDistillRuntime.so").path
        try? FileManager.default.removeItem(atPath: library)
        try FileManager.default.copyItem(atPath: built.runtime, toPath: library)
        try runProcess("/usr/bin/env", ["patchelf", "--set-soname", "libDistillRuntime.so", library])
        return Prepared(built: built, library: directory.path)
    }

    static let debug: Result<Prepared, any Error> = Result { try prepare(configuration: "debug") }

    /// The debug build, prepared once.
    public static func get() throws -> Prepared { try debug.get() }
}
