//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// The runtime every test release uses: the fixture's `distill-run`, and one copy of its
/// `libDistillRuntime.so` with the SONAME a release needs (PluginABI.md), which each release's
/// `erts-VSN/lib` links to.
enum TestRuntime {
    struct Prepared: Sendable {
        var launcher: String
        var library: String
        var lab: String
        var kv: String
    }

    static let prepared: Result<Prepared, any Error> = Result {
        let built = try PluginFixture.get()
        let directory = PluginFixture.scratch.appendingPathComponent("node-runtime/lib")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let library = directory.appendingPathComponent("libDistillRuntime.so").path
        try? FileManager.default.removeItem(atPath: library)
        try FileManager.default.copyItem(atPath: built.runtime, toPath: library)
        try runProcess("/usr/bin/env", ["patchelf", "--set-soname", "libDistillRuntime.so", library])
        return Prepared(launcher: built.launcher, library: directory.path, lab: built.lab, kv: built.plugin)
    }

    static func get() throws -> Prepared { try prepared.get() }
}

/// How a command ended.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A release laid out in a temporary directory as `swift-distill release` lays one out, with
/// `bin/NAME` rendered from `templates/bin/release.mustache`.
final class TestRelease: @unchecked Sendable {
    /// One application of the release.
    struct App {
        var spec: ApplicationSpec
        var plugin: String
        var product: String
        var type: ApplicationType?

        /// The `lab` application (LabPlugin), as its `.app` describes it.
        static func lab(type: ApplicationType? = nil, applications: [String] = []) throws -> App {
            App(
                spec: ApplicationSpec(
                    name: "lab",
                    description: "The node tests' laboratory",
                    version: "1.0.0",
                    modules: ["Lab", "Echo", "Worker", "StrategySupervisor", "LabSupervisor"],
                    registered: ["lab", "echo", "sup_o", "sup_a", "sup_r"],
                    applications: applications,
                    environment: [ConfigParameter(key: "echo_port", value: 0)],
                    startModule: .init(module: "LabSupervisor", arguments: [])
                ),
                plugin: try TestRuntime.get().lab,
                product: "LabPlugin",
                type: type
            )
        }

        /// The `kv` application (KVPlugin).
        static func kv(type: ApplicationType? = nil) throws -> App {
            App(
                spec: ApplicationSpec(
                    name: "kv",
                    description: "A key-value store",
                    version: "0.1.0",
                    modules: ["KV", "KVFormat", "KVSupervisor"],
                    registered: ["kv"],
                    applications: [],
                    environment: [ConfigParameter(key: "limit", value: 100), ConfigParameter(key: "mode", value: "fast")],
                    startModule: .init(module: "KVSupervisor", arguments: [])
                ),
                plugin: try TestRuntime.get().kv,
                product: "KVPlugin",
                type: type
            )
        }
    }

    static let ertsVersion = "0.0.1-test"

    let directory: TemporaryDirectory
    let root: String
    let name: String
    let version: String

    /// Lays out release `name` `version` with `apps`, `sys.config` (by default one that has
    /// lab record its terminations in `terminate.log`) and `vm.args`.
    init(
        name: String = "lab",
        version: String = "0.1.0",
        apps: [App]? = nil,
        sysConfig: String? = nil,
        vmArgs: String = ""
    ) throws {
        let runtime = try TestRuntime.get()
        directory = try TemporaryDirectory(prefix: "distill-node")
        root = directory.url.path
        self.name = name
        self.version = version
        let manager = FileManager.default
        let erts = "\(root)/erts-\(Self.ertsVersion)"
        try manager.createDirectory(atPath: erts + "/bin", withIntermediateDirectories: true)
        try manager.copyItem(atPath: runtime.launcher, toPath: erts + "/bin/distill-run")
        try manager.createSymbolicLink(atPath: erts + "/lib", withDestinationPath: runtime.library)
        let template = try String(
            contentsOf: Repository.root.appendingPathComponent("templates/bin/release.mustache"),
            encoding: .utf8
        )
        try manager.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        let script = root + "/bin/" + name
        try template.replacingOccurrences(of: "{{release_name}}", with: name).write(
            toFile: script,
            atomically: true,
            encoding: .utf8
        )
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let applications = try apps ?? [App.lab()]
        for app in applications { try install(app) }
        try addRelease(
            version: version,
            apps: applications,
            sysConfig: sysConfig ?? "[{lab, [{terminate_log, \"\(root)/terminate.log\"}]}].\n",
            vmArgs: vmArgs
        )
        try write(
            StartErlData(ertsVersion: Self.ertsVersion, releaseVersion: version).text,
            "releases/start_erl.data"
        )
        let releases = ReleasesFile(releases: [
            ReleasesFile.Release(
                name: name,
                version: version,
                ertsVersion: Self.ertsVersion,
                libraries: applications.map {
                    .init(name: $0.spec.name, version: $0.spec.version, directory: "lib/\($0.spec.name)-\($0.spec.version)")
                },
                status: .permanent
            )
        ])
        try write(releases.fileContents, "releases/RELEASES")
    }

    /// `lib/APP-VSN/ebin/APP.app` and `lib/APP-VSN/lib/libPRODUCT-VSN.so`.
    func install(_ app: App) throws {
        let directory = "lib/\(app.spec.name)-\(app.spec.version)"
        try write(app.spec.fileContents, "\(directory)/ebin/\(app.spec.name).app")
        try FileManager.default.createDirectory(atPath: "\(root)/\(directory)/lib", withIntermediateDirectories: true)
        let plugin = "\(root)/\(directory)/lib/lib\(app.product)-\(app.spec.version).so"
        try? FileManager.default.removeItem(atPath: plugin)
        try FileManager.default.copyItem(atPath: app.plugin, toPath: plugin)
    }

    /// `releases/VERSION/`: the `.rel`, `sys.config` and `vm.args`.
    func addRelease(version: String, apps: [App], sysConfig: String, vmArgs: String) throws {
        let spec = ReleaseSpec(
            name: name,
            version: version,
            ertsVersion: Self.ertsVersion,
            applications: apps.map { .init(name: $0.spec.name, version: $0.spec.version, type: $0.type) }
        )
        try write(spec.fileContents, "releases/\(version)/\(name).rel")
        try write(sysConfig, "releases/\(version)/sys.config")
        try write(vmArgs, "releases/\(version)/vm.args")
    }

    /// Writes `text` at `relative` (creating directories).
    func write(_ text: String, _ relative: String, executable: Bool = false) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
    }

    func read(_ relative: String) -> String? { try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) }

    var script: String { root + "/bin/" + name }
    var launcher: String { "\(root)/erts-\(Self.ertsVersion)/bin/distill-run" }
    var socket: String { root + "/var/run/" + name + ".sock" }
    var pidFile: String { root + "/var/run/" + name + ".pid" }
    var heartPidFile: String { root + "/var/run/" + name + ".heart.pid" }
    var log: String { read("var/log/\(name).log") ?? "" }

    /// The pid the pid file names.
    var pid: Int32? { read("var/run/\(name).pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }

    /// Runs `bin/NAME arguments...` to its end.
    @discardableResult
    func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        input: String? = nil,
        timeout: Duration = .seconds(90)
    ) throws -> CommandResult {
        try runCommand(script, arguments, environment: environment, input: input, timeout: timeout)
    }

    /// Runs `bin/NAME arguments...` and expects status 0; returns standard output without its
    /// final line break.
    @discardableResult
    func expectSuccess(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try run(arguments, environment: environment)
        guard result.status == 0 else {
            throw Failure(description: "bin/\(name) \(arguments.joined(separator: " ")): \(result)\nlog:\n\(log)")
        }
        return result.stdout.hasSuffix("\n") ? String(result.stdout.dropLast()) : result.stdout
    }

    /// `bin/NAME rpc NAME TERM`'s output.
    func rpc(_ process: String, _ term: String) throws -> String { try expectSuccess(["rpc", process, term]) }

    /// Starts the node as a daemon and returns its pid.
    @discardableResult
    func start(environment: [String: String] = [:]) throws -> Int32 {
        try expectSuccess(["start"], environment: environment)
        guard let pid else { throw Failure(description: "no pid file after start") }
        return pid
    }

    /// Stops the node if it runs (at the end of a test).
    func stopIfRunning() {
        _ = try? run(["stop", "--timeout", "20000"])
    }

    /// Polls `condition` every 20 ms for at most `timeout`.
    func eventually(_ timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}

/// Whether `pid` is a live process (not a zombie).
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Runs `executable` to its end with a timeout, capturing both outputs.
func runCommand(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    input: String? = nil,
    timeout: Duration = .seconds(90)
) throws -> CommandResult {
    let running = try RunningCommand(executable, arguments, environment: environment, input: input)
    return try running.wait(timeout: timeout)
}

/// A child process whose standard output and error go to files (so that a daemon it leaves
/// behind cannot hold a pipe open).
final class RunningCommand: @unchecked Sendable {
    let process = Process()
    private let output: URL
    private let errors: URL
    let command: [String]

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws {
        command = [executable] + arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("distill-cmd-\(UUID().uuidString)")
        output = base.appendingPathExtension("out")
        errors = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "RELEASE_ROOT")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        if let input {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    var pid: Int32 { process.processIdentifier }

    var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Waits for the end; kills the process and throws after `timeout`.
    func wait(timeout: Duration = .seconds(90)) throws -> CommandResult {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw TestRelease.Failure(
                    description: "\(command.joined(separator: " ")) timed out after \(timeout)\n\(stdout)\(stderr)"
                )
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CommandResult(status: status, stdout: stdout, stderr: stderr)
    }
}
