//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation

/// Release trees for release handler tests, laid out as `swift-distill release` does: the
/// first version installed in `root`, later ones as tarballs placed at
/// `releases/VSN/NAME.tar.gz`, ready for `unpack`.
struct ReleaseTree {
    /// One application of a version.
    struct Application {
        var name: String
        var version: String
        /// A plugin file to copy to `lib/APP-VSN/lib/` (`nil`: an empty placeholder `.so`).
        var plugin: String?
        /// The `.app`'s `distill_runtime` entry, if any.
        var runtimeFingerprint: String?
        var modules: [String] = []
    }

    /// One version of the release.
    struct Version {
        var version: String
        var erts: String
        var applications: [Application]
        var relup: Relup?
        var sysConfig: String = "[]."
        /// `kind` (`pre_upgrade`, `post_upgrade`) → hook scripts (name, shell text).
        var hooks: [String: [(String, String)]] = [:]
        /// Files to add to the tarball, relative path → contents (bin/REL, RELEASES, ...).
        var extraFiles: [String: String] = [:]
        /// `erts-ERTS/bin/distill-run` to bundle (a file to copy), if any.
        var launcher: String?
        /// Files to copy into `erts-ERTS/lib/` (file name → source path).
        var runtimeLibraries: [String: String] = [:]
    }

    let root: String
    let name: String

    init(root: String, name: String) {
        self.root = root
        self.name = name
    }

    /// Writes `version`'s files under `directory`.
    static func write(_ version: Version, name: String, into directory: String) throws {
        let fm = FileManager.default
        func put(_ relative: String, _ contents: String, executable: Bool = false) throws {
            let path = directory + "/" + relative
            try fm.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try contents.write(toFile: path, atomically: false, encoding: .utf8)
            if executable { try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
        }
        for application in version.applications {
            let base = "lib/\(application.name)-\(application.version)"
            var spec = ApplicationSpec(
                name: application.name,
                description: "test application",
                version: application.version,
                modules: application.modules,
                applications: []
            )
            if let fingerprint = application.runtimeFingerprint {
                spec.otherProperties.append(
                    ConfigParameter(
                        key: "distill_runtime",
                        value: .list([
                            .tuple([.atom("abi"), 1]), .tuple([.atom("fingerprint"), .string(fingerprint)]),
                        ])
                    )
                )
            }
            try put("\(base)/ebin/\(application.name).app", spec.fileContents)
            let pluginPath = "\(directory)/\(base)/lib/lib\(application.name)-\(application.version).so"
            try fm.createDirectory(atPath: "\(directory)/\(base)/lib", withIntermediateDirectories: true)
            if let plugin = application.plugin {
                try fm.copyItem(atPath: plugin, toPath: pluginPath)
            } else {
                try put("\(base)/lib/lib\(application.name)-\(application.version).so", "")
            }
        }
        let spec = ReleaseSpec(
            name: name,
            version: version.version,
            ertsVersion: version.erts,
            applications: version.applications.map { .init(name: $0.name, version: $0.version) }
        )
        try put("releases/\(version.version)/\(name).rel", spec.fileContents)
        try put("releases/\(version.version)/sys.config", version.sysConfig)
        if let relup = version.relup { try put("releases/\(version.version)/relup", relup.fileContents) }
        for (kind, hooks) in version.hooks {
            for (hookName, text) in hooks {
                try put(
                    "releases/\(version.version)/hooks/\(kind).d/\(hookName)",
                    "#!/bin/sh\n" + text + "\n",
                    executable: true
                )
            }
        }
        if let launcher = version.launcher {
            try fm.createDirectory(atPath: "\(directory)/erts-\(version.erts)/bin", withIntermediateDirectories: true)
            try fm.copyItem(atPath: launcher, toPath: "\(directory)/erts-\(version.erts)/bin/distill-run")
        }
        if !version.runtimeLibraries.isEmpty {
            try fm.createDirectory(atPath: "\(directory)/erts-\(version.erts)/lib", withIntermediateDirectories: true)
            for (file, source) in version.runtimeLibraries {
                try fm.copyItem(atPath: source, toPath: "\(directory)/erts-\(version.erts)/lib/\(file)")
            }
        }
        for (relative, contents) in version.extraFiles { try put(relative, contents) }
    }

    /// Lays `version` out in the root as the permanent release: its files, `RELEASES`,
    /// `start_erl.data`.
    func install(_ version: Version) throws {
        try Self.write(version, name: name, into: root)
        let releases = ReleasesFile(releases: [
            ReleasesFile.Release(
                name: name,
                version: version.version,
                ertsVersion: version.erts,
                libraries: version.applications.map {
                    .init(name: $0.name, version: $0.version, directory: "lib/\($0.name)-\($0.version)")
                },
                status: .permanent
            )
        ])
        try releases.fileContents.write(toFile: root + "/releases/RELEASES", atomically: true, encoding: .utf8)
        try StartErlData(ertsVersion: version.erts, releaseVersion: version.version).text
            .write(toFile: root + "/releases/start_erl.data", atomically: true, encoding: .utf8)
    }

    /// Packs `version` and places the tarball at `releases/VSN/NAME.tar.gz`.
    func placeTarball(_ version: Version) throws {
        let staging = try TemporaryDirectory(prefix: "distill-stage")
        try Self.write(version, name: name, into: staging.path)
        let directory = root + "/releases/\(version.version)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try TarballWriter().pack(directory: staging.path, to: directory + "/\(name).tar.gz")
    }

    var releasesFile: String { (try? String(contentsOfFile: root + "/releases/RELEASES", encoding: .utf8)) ?? "" }
    var startErlData: String { (try? String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8)) ?? "" }

    /// The statuses `RELEASES` records, by version.
    func statuses() throws -> [String: String] {
        let file = try ReleasesFile(parsing: releasesFile, file: "RELEASES")
        return Dictionary(uniqueKeysWithValues: file.releases.map { ($0.version, $0.status.rawValue) })
    }
}
