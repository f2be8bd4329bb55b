//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation

/// ``KVReleaseLayout`` with the debug fixture, run through `bin/kv`.
final class KVRelease: @unchecked Sendable {
    typealias Version = KVReleaseLayout.Version
    static let erts = KVReleaseLayout.erts
    static let v1 = KVReleaseLayout.v1
    static let v2 = KVReleaseLayout.v2
    static let v3 = KVReleaseLayout.v3
    static let v4 = KVReleaseLayout.v4

    static func soft(_ version: String, _ modules: [String]) -> [RelupInstruction] {
        KVReleaseLayout.soft(version, modules)
    }

    static func relup(_ version: String, from base: String, up: [RelupInstruction], down: [RelupInstruction]) -> Relup {
        KVReleaseLayout.relup(version, from: base, up: up, down: down)
    }

    let layout: KVReleaseLayout
    var root: String { layout.root }
    var script: String { layout.script }
    var log: String { layout.log }
    var pid: Int32? { layout.pid }
    var startErlData: String { layout.startErlData }

    init(installed: Version = KVReleaseLayout.v1) throws {
        layout = try KVReleaseLayout(installed: installed, runtime: try UpgradeRuntime.get())
    }

    func place(_ version: Version) throws { try layout.place(version) }
    func statuses() throws -> [String: String] { try layout.statuses() }

    // MARK: - Running

    @discardableResult
    func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) throws
        -> CommandResult
    {
        try runCommand(script, arguments, environment: environment, timeout: timeout)
    }

    @discardableResult
    func expectSuccess(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try run(arguments, environment: environment)
        guard result.status == 0 else {
            throw TestRelease.Failure(
                description: "bin/kv \(arguments.joined(separator: " ")): \(result)\nlog:\n\(log)"
            )
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

/// A TCP client for the echo server: one connection, kept open (used by one thread at a time).
final class EchoClient: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws { fd = try connectToLoopback(port: port) }

    deinit { close(fd) }

    /// Sends `text` and returns what comes back.
    func echo(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw TestRelease.Failure(description: "echo: write failed")
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { throw TestRelease.Failure(description: "echo: connection closed or timed out") }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
