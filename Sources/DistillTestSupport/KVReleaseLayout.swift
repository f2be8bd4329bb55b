//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import DistillTerm
public import Foundation

/// Release `kv` laid out as `swift-distill release` lays it out, with the upgrade fixture's
/// plugins: one version installed in `root` (`bin/kv` from `templates/bin/release.mustache`),
/// later versions as tarballs at `releases/VSN/kv.tar.gz` with the relups below (written as
/// systools writes them for these updates). The release handler's live tests and
/// `distill-bench upgrade` use it.
public final class KVReleaseLayout: Sendable {
    public static let erts = "0.0.1-upgrade"
    public static let modules = ["KV", "EchoListener", "EchoHandler", "Probe", "KVHooks", "KVSupervisor"]

    public let directory: TemporaryDirectory
    public let root: String
    public let name = "kv"
    public let runtime: UpgradeRuntime.Prepared

    /// One version of the release.
    public struct Version: Sendable {
        public var version: String
        public var erts: String = KVReleaseLayout.erts
        public var relup: Relup?
        public var sysConfig = "[].\n"
        /// The `.app`'s recorded runtime fingerprint (`nil`: the fixture's runtime).
        public var fingerprint: String?
        /// `KIND` → hook scripts `(name, shell text)`.
        public var hooks: [String: [(String, String)]] = [:]

        public init(
            version: String,
            erts: String = KVReleaseLayout.erts,
            relup: Relup? = nil,
            sysConfig: String = "[].\n"
        ) {
            self.version = version
            self.erts = erts
            self.relup = relup
            self.sysConfig = sysConfig
        }
    }

    public init(installed: Version = Version(version: "0.1.0"), runtime: UpgradeRuntime.Prepared) throws {
        self.runtime = runtime
        directory = try TemporaryDirectory(prefix: "distill-kv")
        root = directory.path
        try Self.write(installed, runtime: runtime, into: root)
        let manager = FileManager.default
        let template = try String(
            contentsOf: Repository.root.appendingPathComponent("templates/bin/release.mustache"),
            encoding: .utf8
        )
        try manager.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try template.replacingOccurrences(of: "{{release_name}}", with: name)
            .write(toFile: script, atomically: true, encoding: .utf8)
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try StartErlData(ertsVersion: installed.erts, releaseVersion: installed.version).text
            .write(toFile: root + "/releases/start_erl.data", atomically: true, encoding: .utf8)
        try ReleasesFile(releases: [Self.record(installed, status: .permanent)]).fileContents
            .write(toFile: root + "/releases/RELEASES", atomically: true, encoding: .utf8)
    }

    public static func record(_ version: Version, status: ReleasesFile.Release.Status) -> ReleasesFile.Release {
        ReleasesFile.Release(
            name: "kv",
            version: version.version,
            ertsVersion: version.erts,
            libraries: [.init(name: "kv", version: version.version, directory: "lib/kv-\(version.version)")],
            status: status
        )
    }

    /// Writes `version`'s files (runtime, application, `releases/VSN`) under `directory`.
    /// `runtime`: how `erts-VSN/lib` gets the runtime library: a link to the shared patched
    /// copy (an installed release), a copy of it (a tarball that bundles its runtime), or not
    /// at all (a tarball for a release on the runtime already there).
    public enum RuntimeFiles: Sendable { case link, copy, none }

    public static func write(
        _ version: Version,
        runtime: UpgradeRuntime.Prepared,
        files: RuntimeFiles = .link,
        into directory: String
    ) throws {
        let manager = FileManager.default
        func put(_ relative: String, _ text: String, executable: Bool = false) throws {
            let path = directory + "/" + relative
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            if executable { try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
        }
        let erts = "\(directory)/erts-\(version.erts)"
        switch files {
        case .link, .copy:
            try manager.createDirectory(atPath: erts + "/bin", withIntermediateDirectories: true)
            try manager.copyItem(atPath: runtime.built.launcher, toPath: erts + "/bin/distill-run")
            if files == .link {
                try manager.createSymbolicLink(atPath: erts + "/lib", withDestinationPath: runtime.library)
            } else {
                try manager.createDirectory(atPath: erts + "/lib", withIntermediateDirectories: true)
                try manager.copyItem(
                    atPath: runtime.library + "/libDistillRuntime.so",
                    toPath: erts + "/lib/libDistillRuntime.so"
                )
            }
        case .none:
            break
        }
        guard let plugin = runtime.built.plugins[version.version] else {
            throw UpgradeFixture.BuildFailure(description: "no plugin for kv \(version.version)")
        }
        var spec = ApplicationSpec(
            name: "kv",
            description: "kv \(version.version) for release handler tests",
            version: version.version,
            modules: modules,
            registered: ["kv", "echo", "probe"],
            applications: [],
            environment: [ConfigParameter(key: "echo_port", value: 0)],
            startModule: .init(module: "KVSupervisor", arguments: [])
        )
        spec.otherProperties.append(
            ConfigParameter(
                key: "distill_runtime",
                value: .list([
                    .tuple([.atom("abi"), 1]),
                    .tuple([.atom("fingerprint"), .string(version.fingerprint ?? runtime.built.fingerprint)]),
                ])
            )
        )
        let lib = "lib/kv-\(version.version)"
        try put("\(lib)/ebin/kv.app", spec.fileContents)
        try manager.createDirectory(atPath: "\(directory)/\(lib)/lib", withIntermediateDirectories: true)
        try manager.copyItem(atPath: plugin, toPath: "\(directory)/\(lib)/lib/libKV-\(version.version).so")
        let rel = ReleaseSpec(
            name: "kv",
            version: version.version,
            ertsVersion: version.erts,
            applications: [.init(name: "kv", version: version.version)]
        )
        try put("releases/\(version.version)/kv.rel", rel.fileContents)
        try put("releases/\(version.version)/sys.config", version.sysConfig)
        try put("releases/\(version.version)/vm.args", "")
        if let relup = version.relup { try put("releases/\(version.version)/relup", relup.fileContents) }
        for (kind, hooks) in version.hooks {
            for (hook, text) in hooks {
                try put("releases/\(version.version)/hooks/\(kind).d/\(hook)", "#!/bin/sh\n\(text)\n", executable: true)
            }
        }
    }

    /// Packs `version` with GNU tar and places it at `releases/VSN/kv.tar.gz`.
    public func place(_ version: Version) throws {
        let staging = try TemporaryDirectory(prefix: "distill-kv-stage")
        let bundles = !FileManager.default.fileExists(atPath: root + "/erts-\(version.erts)")
        try Self.write(version, runtime: runtime, files: bundles ? .copy : .none, into: staging.path)
        let target = root + "/releases/\(version.version)"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try runProcess("/usr/bin/env", ["tar", "-C", staging.path, "-czf", target + "/kv.tar.gz", "."])
    }

    // MARK: - Relups, as systools writes them for these versions

    public static let brutal = PurgeMethod.brutalPurge

    /// A soft update of `modules` (each its own group, as systools makes independent modules).
    public static func soft(_ version: String, _ modules: [String]) -> [RelupInstruction] {
        var script: [RelupInstruction] = [
            .loadObjectCode(application: "kv", version: version, modules: modules), .pointOfNoReturn,
        ]
        for module in modules {
            script += [
                .suspend([SuspendedModule(module: module)]),
                .load(module: module, prePurge: brutal, postPurge: brutal),
                .resume(modules: [module]),
            ]
        }
        return script
    }

    /// KV advanced (`code_change`), EchoHandler soft.
    public static func advanced(
        _ version: String,
        down: Bool,
        suspendTimeout: UpgradeTimeout? = nil
    ) -> [RelupInstruction] {
        let change = RelupInstruction.codeChange(down ? .down : .up, [ModuleCodeChange(module: "KV", extra: [])])
        let load = RelupInstruction.load(module: "KV", prePurge: brutal, postPurge: brutal)
        return [
            .loadObjectCode(application: "kv", version: version, modules: ["KV", "EchoHandler"]),
            .pointOfNoReturn,
            .suspend([SuspendedModule(module: "KV", timeout: suspendTimeout)]),
        ] + (down ? [change, load] : [load, change]) + [
            .resume(modules: ["KV"]),
            .suspend([SuspendedModule(module: "EchoHandler")]),
            .load(module: "EchoHandler", prePurge: brutal, postPurge: brutal),
            .resume(modules: ["EchoHandler"]),
        ]
    }

    public static func relup(
        _ version: String,
        from base: String,
        up: [RelupInstruction],
        down: [RelupInstruction]
    ) -> Relup {
        Relup(
            version: version,
            upgrades: [Relup.Entry(version: base, instructions: up)],
            downgrades: [Relup.Entry(version: base, instructions: down)]
        )
    }

    public static let v1 = Version(version: "0.1.0")
    public static let v2 = Version(
        version: "0.2.0",
        relup: relup(
            "0.2.0",
            from: "0.1.0",
            up: soft("0.2.0", ["KV", "EchoHandler"]),
            down: soft("0.1.0", ["KV", "EchoHandler"])
        )
    )
    public static let v3 = Version(
        version: "0.3.0",
        relup: relup("0.3.0", from: "0.2.0", up: advanced("0.3.0", down: false), down: advanced("0.2.0", down: true))
    )
    public static let v4 = Version(
        version: "0.4.0",
        relup: relup(
            "0.4.0",
            from: "0.3.0",
            up: soft("0.4.0", ["KV", "EchoHandler"]),
            down: soft("0.3.0", ["KV", "EchoHandler"])
        )
    )

    // MARK: - Files

    public func read(_ relative: String) -> String? {
        try? String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }
    public var log: String { read("var/log/kv.log") ?? "" }
    public var pid: Int32? {
        read("var/run/kv.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
    public var startErlData: String { read("releases/start_erl.data") ?? "" }
    public var script: String { root + "/bin/kv" }

    /// `RELEASES`' statuses by version.
    public func statuses() throws -> [String: String] {
        let file = try ReleasesFile(parsing: read("releases/RELEASES") ?? "", file: "RELEASES")
        return Dictionary(uniqueKeysWithValues: file.releases.map { ($0.version, $0.status.rawValue) })
    }
}
