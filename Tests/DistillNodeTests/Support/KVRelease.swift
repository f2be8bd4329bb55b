//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation

/// The upgrade fixture's runtime, prepared for release trees: a copy of its
/// `libDistillRuntime.so` with the SONAME a release needs (PluginABI.md).
enum UpgradeRuntime {
    struct Prepared: Sendable {
        var built: UpgradeFixture.Built
        /// The directory holding the patched library (`erts-VSN/lib` links to it).
        var library: String
    }

    static let prepared: Result<Prepared, any Error> = Result {
        let built = try UpgradeFixture.get()
        let directory = UpgradeFixture.scratch.appendingPathComponent("release-runtime/lib")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let library = directory.appendingPathComponent("libDistillRuntime.so").path
        try? FileManager.default.removeItem(atPath: library)
        try FileManager.default.copyItem(atPath: built.runtime, toPath: library)
        try runProcess("/usr/bin/env", ["patchelf", "--set-soname", "libDistillRuntime.so", library])
        return Prepared(built: built, library: directory.path)
    }

    static func get() throws -> Prepared { try prepared.get() }
}

/// Release `kv` laid out as `swift-distill release` lays it out, with the upgrade fixture's
/// plugins: version 0.1.0 installed, later versions as tarballs at `releases/VSN/kv.tar.gz`
/// with the relups below.
final class KVRelease: @unchecked Sendable {
    static let erts = "0.0.1-upgrade"
    static let modules = ["KV", "EchoListener", "EchoHandler", "Probe", "KVHooks", "KVSupervisor"]

    let directory: TemporaryDirectory
    let root: String
    let name = "kv"

    /// One version of the release.
    struct Version {
        var version: String
        var erts: String = KVRelease.erts
        var relup: Relup?
        var sysConfig = "[].\n"
        /// The `.app`'s recorded runtime fingerprint (`nil`: the fixture's runtime).
        var fingerprint: String?
        /// `KIND` → hook scripts `(name, shell text)`.
        var hooks: [String: [(String, String)]] = [:]
    }

    init(installed: Version = Version(version: "0.1.0")) throws {
        let runtime = try UpgradeRuntime.get()
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

    static func record(_ version: Version, status: ReleasesFile.Release.Status) -> ReleasesFile.Release {
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
    enum RuntimeFiles { case link, copy, none }

    static func write(
        _ version: Version,
        runtime: UpgradeRuntime.Prepared,
        files: RuntimeFiles = .link,
        into directory: String
    ) throws {
        let manager = FileManager.default
        func put(_ relative: String, _ text: String, executable: Bool = false) throws {
            let path = directory + "/" + relative
            try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
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
                try manager.copyItem(atPath: runtime.library + "/libDistillRuntime.so", toPath: erts + "/lib/libDistillRuntime.so")
            }
        case .none:
            break
        }
        guard let plugin = runtime.built.plugins[version.version] else {
            throw TestRelease.Failure(description: "no plugin for kv \(version.version)")
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
    func place(_ version: Version) throws {
        let staging = try TemporaryDirectory(prefix: "distill-kv-stage")
        let bundles = !FileManager.default.fileExists(atPath: root + "/erts-\(version.erts)")
        try Self.write(version, runtime: try UpgradeRuntime.get(), files: bundles ? .copy : .none, into: staging.path)
        let target = root + "/releases/\(version.version)"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try runProcess("/usr/bin/env", ["tar", "-C", staging.path, "-czf", target + "/kv.tar.gz", "."])
    }

    // MARK: - Relups, as systools writes them for these versions

    static let brutal = PurgeMethod.brutalPurge

    /// A soft update of `modules` (each its own group, as systools makes independent modules).
    static func soft(_ version: String, _ modules: [String]) -> [RelupInstruction] {
        var script: [RelupInstruction] = [.loadObjectCode(application: "kv", version: version, modules: modules), .pointOfNoReturn]
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
    static func advanced(_ version: String, down: Bool, suspendTimeout: UpgradeTimeout? = nil) -> [RelupInstruction] {
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

    static func relup(_ version: String, from base: String, up: [RelupInstruction], down: [RelupInstruction]) -> Relup {
        Relup(
            version: version,
            upgrades: [Relup.Entry(version: base, instructions: up)],
            downgrades: [Relup.Entry(version: base, instructions: down)]
        )
    }

    static let v1 = Version(version: "0.1.0")
    static let v2 = Version(
        version: "0.2.0",
        relup: relup("0.2.0", from: "0.1.0", up: soft("0.2.0", ["KV", "EchoHandler"]), down: soft("0.1.0", ["KV", "EchoHandler"]))
    )
    static let v3 = Version(
        version: "0.3.0",
        relup: relup("0.3.0", from: "0.2.0", up: advanced("0.3.0", down: false), down: advanced("0.2.0", down: true))
    )
    static let v4 = Version(
        version: "0.4.0",
        relup: relup("0.4.0", from: "0.3.0", up: soft("0.4.0", ["KV", "EchoHandler"]), down: soft("0.3.0", ["KV", "EchoHandler"]))
    )

    // MARK: - Running

    var script: String { root + "/bin/kv" }

    func read(_ relative: String) -> String? { try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) }
    var log: String { read("var/log/kv.log") ?? "" }
    var pid: Int32? { read("var/run/kv.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
    var startErlData: String { read("releases/start_erl.data") ?? "" }

    /// `RELEASES`' statuses by version.
    func statuses() throws -> [String: String] {
        let file = try ReleasesFile(parsing: read("releases/RELEASES") ?? "", file: "RELEASES")
        return Dictionary(uniqueKeysWithValues: file.releases.map { ($0.version, $0.status.rawValue) })
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) throws
        -> CommandResult
    {
        try runCommand(script, arguments, environment: environment, timeout: timeout)
    }

    @discardableResult
    func expectSuccess(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try run(arguments, environment: environment)
        guard result.status == 0 else {
            throw TestRelease.Failure(description: "bin/kv \(arguments.joined(separator: " ")): \(result)\nlog:\n\(log)")
        }
        return result.stdout.hasSuffix("\n") ? String(result.stdout.dropLast()) : result.stdout
    }

    func rpc(_ process: String, _ term: String) throws -> String { try expectSuccess(["rpc", process, term]) }

    @discardableResult
    func start(environment: [String: String] = [:]) throws -> Int32 {
        try expectSuccess(["start"], environment: environment)
        guard let pid else { throw TestRelease.Failure(description: "no pid file after start") }
        return pid
    }

    func stopIfRunning() { _ = try? run(["stop", "--timeout", "20000"]) }
}

/// A TCP client for the echo server: one connection, kept open.
final class EchoClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestRelease.Failure(description: "cannot connect to echo on \(port)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends `text` and returns what comes back.
    func echo(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw TestRelease.Failure(description: "echo: write failed") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { throw TestRelease.Failure(description: "echo: connection closed or timed out") }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
