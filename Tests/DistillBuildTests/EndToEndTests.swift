//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTestSupport
import Foundation
import Testing

/// The story `make demo` tells, with releases `swift-distill release` built from
/// `Fixtures/kv`: deploy 0.1.0 as `tar -xzf` would, start it, store data, hot-upgrade it to
/// 0.2.0 (a soft update) and to 0.3.0 (a new state shape), then downgrade to 0.1.0; and an
/// upgrade whose `codeChange` throws, rolled back with the data intact.
@Suite(.serialized)
struct EndToEndTests {
    @Test func deployUpgradeAcrossAStateChangeAndDowngrade() async throws {
        let releases = [try await KVReleases.v010(), try await KVReleases.v020(), try await KVReleases.v030()]
        let node = try DeployedNode(releases[0])
        defer { node.stop() }
        try node.run("start")
        #expect(try node.rpc("{put, a, 42}") == "ok")
        #expect(try node.rpc("{put, <<\"b\">>, [1, 2]}") == "ok")
        #expect(try node.rpc("{get, a, nil}") == "42")
        let pid = try node.run("pid")

        try node.place(releases[1])
        let upgraded = try node.run("upgrade", "0.2.0")
        #expect(upgraded.contains("made 0.2.0 permanent"), "\(upgraded)")
        #expect(try node.rpc("{get, a, nil}") == "42")
        // 0.2.0's new code logs every request.
        #expect(try node.log().contains("request"))
        #expect(try node.startErlData().hasSuffix(" 0.2.0"))

        try node.place(releases[2])
        try node.run("upgrade", "0.3.0")
        // The state changed shape (a hit count per key); the data came along.
        #expect(try node.rpc("{get, a, nil}") == "42")
        #expect(try node.rpc("{get, a, nil}") == "42")
        #expect(try node.rpc("{hits, a}") == "2")
        #expect(try node.rpc("keys") == "[a,<<\"b\">>]")

        // Down to 0.1.0 in one step: 0.3.0's relup has a down script to each base release.
        try node.run("downgrade", "0.1.0")
        #expect(try node.rpc("{get, a, nil}") == "42")
        #expect(try node.rpc("{get, <<\"b\">>, nil}") == "[1,2]")
        #expect(try node.rpc("{hits, a}") == "{error,{badarg,{hits,a}}}")
        #expect(try node.startErlData().hasSuffix(" 0.1.0"))
        // The same operating-system process all along.
        #expect(try node.run("pid") == pid)
    }

    @Test func aThrowingCodeChangeRollsBackWithTheDataIntact() async throws {
        let releases = [try await KVReleases.v010(), try await KVReleases.v030()]
        let node = try DeployedNode(releases[0])
        defer { node.stop() }
        try node.run("start")
        #expect(try node.rpc("{put, a, 42}") == "ok")
        #expect(try node.rpc("{put, refuse_upgrade, true}") == "ok")
        try node.place(releases[1])

        let failure = try node.runFailing("upgrade", "0.3.0")
        #expect(failure.contains("kv 0.3.0 refuses a table holding refuse_upgrade"), "\(failure)")
        #expect(try node.rpc("{get, a, nil}") == "42")
        #expect(try node.rpc("{hits, a}") == "{error,{badarg,{hits,a}}}")
        #expect(try node.startErlData().hasSuffix(" 0.1.0"))

        // Once the data allows it, the same release installs.
        #expect(try node.rpc("{delete, refuse_upgrade}") == "ok")
        try node.run("upgrade", "0.3.0")
        #expect(try node.rpc("{get, a, nil}") == "42")
        #expect(try node.rpc("{hits, a}") == "1")
    }
}

/// A release tarball unpacked into a fresh directory, as `scp` and `tar -xzf` deploy it, and
/// driven through its `bin/kv`.
final class DeployedNode {
    let directory: TemporaryDirectory
    var root: String { directory.path }

    init(_ release: KVReleases.Built) throws {
        directory = try TemporaryDirectory(prefix: "distill-e2e")
        try runProcess("/usr/bin/env", ["tar", "-xzf", release.tarball, "-C", directory.path])
    }

    /// Runs `bin/kv ARGUMENTS` and returns its output without the last line break; throws
    /// if it fails.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let output = try runProcess(root + "/bin/kv", arguments, timeout: .seconds(120))
        return output.hasSuffix("\n") ? String(output.dropLast()) : output
    }

    /// `bin/kv rpc kv TERM`.
    func rpc(_ term: String) throws -> String { try run("rpc", "kv", term) }

    /// Runs `bin/kv ARGUMENTS`, which must fail, and returns what it printed.
    func runFailing(_ arguments: String...) throws -> String {
        let output: String
        do {
            output = try runProcess(root + "/bin/kv", arguments, timeout: .seconds(120))
        } catch let failure as ProcessFailure {
            return failure.output
        }
        throw UnexpectedSuccess(description: "bin/kv \(arguments.joined(separator: " ")) succeeded: \(output)")
    }

    struct UnexpectedSuccess: Error, CustomStringConvertible {
        var description: String
    }

    /// Copies a newer release's tarball to `releases/VSN/kv.tar.gz`, where `upgrade` looks.
    func place(_ release: KVReleases.Built) throws {
        let version = release.result.version
        let directory = root + "/releases/\(version)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: release.tarball, toPath: directory + "/kv.tar.gz")
    }

    func startErlData() throws -> String { try String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8) }

    func log() throws -> String { try String(contentsOfFile: root + "/var/log/kv.log", encoding: .utf8) }

    func stop() { _ = try? runProcess(root + "/bin/kv", ["stop"], timeout: .seconds(60)) }
}
