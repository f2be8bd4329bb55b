//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation

/// A release deployed as a first install is (`tar -xzf` of its tarball into an empty
/// directory) and driven through its `bin/NAME`.
final class DeployedRelease: @unchecked Sendable {
    /// How a `bin/NAME` command ended.
    struct Outcome: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// A command that failed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The release's name (`kv`).
    let name: String
    let directory: TemporaryDirectory
    var root: String { directory.path }
    var script: String { root + "/bin/\(name)" }
    var log: String { (try? String(contentsOfFile: root + "/var/log/\(name).log", encoding: .utf8)) ?? "(no log)" }
    /// `releases/start_erl.data`: `ERTS_VSN REL_VSN`, the release that boots.
    var startErlData: String { (try? String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8)) ?? "" }

    init(name: String, deploying tarball: String) throws {
        self.name = name
        directory = try TemporaryDirectory(prefix: "distill-\(name)")
        try runProcess("/usr/bin/env", ["tar", "-xzf", tarball, "-C", directory.path])
    }

    /// Places `tarball` where `bin/NAME upgrade VSN` looks for it: `releases/VSN/NAME.tar.gz`.
    func place(_ tarball: String, version: String) throws {
        let target = root + "/releases/\(version)"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: tarball, toPath: target + "/\(name).tar.gz")
    }

    /// Runs `bin/NAME ARGUMENTS` to its end. Its outputs go to files, so a daemon it leaves
    /// behind cannot hold a pipe open.
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) throws -> Outcome {
        let base = directory.url.appendingPathComponent("cmd-\(UUID().uuidString)")
        let output = base.appendingPathExtension("out")
        let errors = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "RELEASE_ROOT")
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw Failure(description: "bin/\(name) \(arguments.joined(separator: " ")) timed out after \(timeout)")
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        )
    }

    /// Runs `bin/NAME ARGUMENTS` and returns its standard output without the final line
    /// break; throws (with the node's log) unless it succeeds.
    @discardableResult
    func expectSuccess(_ arguments: [String]) throws -> String {
        let outcome = try run(arguments)
        guard outcome.status == 0 else {
            throw Failure(description: "bin/\(name) \(arguments.joined(separator: " ")): \(outcome)\nlog:\n\(log)")
        }
        return outcome.stdout.hasSuffix("\n") ? String(outcome.stdout.dropLast()) : outcome.stdout
    }

    func rpc(_ process: String, _ term: String) throws -> String { try expectSuccess(["rpc", process, term]) }

    func stopIfRunning() { _ = try? run(["stop", "--timeout", "20000"]) }
}
