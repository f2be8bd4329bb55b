//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTestSupport
import Foundation
import Testing

/// Heart: a Swift trap kills the node's process; heart starts it again.
struct HeartTests {
    /// Traps the node and waits until heart has started a new one; returns its pid.
    private func trap(_ release: TestRelease, pid: Int32) throws -> Int32? {
        let trapped = try release.run(["rpc", "lab", "trap"])
        #expect(trapped.status == 3, "\(trapped)")
        #expect(trapped.stderr.contains("connection to lab lost"))
        var next: Int32?
        _ = try release.eventually(.seconds(30)) {
            guard let current = release.pid, current != pid, try release.run(["ping"]).status == 0 else { return false }
            next = current
            return true
        }
        return next
    }

    @Test func aTrappingPluginIsRestartedByHeart() throws {
        let release = try TestRelease(vmArgs: "-heart\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        let heart = try #require(
            release.read("var/run/lab.heart.pid").flatMap { Int32($0.trimmingCharacters(in: .newlines)) }
        )
        #expect(heart != pid && isAlive(heart))
        #expect(try release.expectSuccess(["describe", "--json"]).contains("\"heart\":true"))
        try release.run(["cast", "lab", "{set, a, 1}"])

        let restarted = try #require(try trap(release, pid: pid))
        #expect(!isAlive(pid))
        #expect(isAlive(heart))
        #expect(release.log.contains("Fatal error: lab: trap requested"))
        #expect(release.log.contains("error distill.heart: node crashed; heart restarts it exit=SIG"))
        // A new node: the state is gone, the processes are fresh.
        #expect(try release.rpc("lab", "{get, a}") == "undefined")

        #expect(try release.expectSuccess(["stop"]) == "ok")
        #expect(!isAlive(restarted))
        #expect(!isAlive(heart))
        #expect(!FileManager.default.fileExists(atPath: release.heartPidFile))
        #expect(release.log.contains("node stopped; heart exits"))
    }

    @Test func heartHoldsTheLockAcrossARestart() throws {
        let release = try TestRelease(vmArgs: "-heart\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        let heart = try #require(
            release.read("var/run/lab.heart.pid").flatMap { Int32($0.trimmingCharacters(in: .newlines)) }
        )
        #expect(release.read("var/run/lab.lock") == "\(heart)\n")
        _ = try #require(try trap(release, pid: pid))
        // The node heart started again has the lock heart handed on; a second start is refused.
        try FileManager.default.removeItem(atPath: release.socket)
        let second = try release.run(["start"])
        #expect(second.status == 7, "\(second)")
        #expect(second.stderr.contains("pid \(heart) holds var/run/lab.lock"))
        #expect(isAlive(heart))
        kill(heart, SIGTERM)
        #expect(release.eventually { !isAlive(heart) })
    }

    @Test func heartGivesUpAfterTooManyRestarts() throws {
        let release = try TestRelease(vmArgs: "-heart\n-heart_restarts 1/60\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        let heart = try #require(
            release.read("var/run/lab.heart.pid").flatMap { Int32($0.trimmingCharacters(in: .newlines)) }
        )
        let restarted = try #require(try trap(release, pid: pid))
        _ = try release.run(["rpc", "lab", "trap"])
        #expect(release.eventually { !isAlive(heart) })
        #expect(!isAlive(restarted))
        #expect(release.log.contains("critical distill.heart: node crashed too often; heart gives up"))
        #expect(try release.run(["ping"]).status == 3)
    }

    @Test func heartRestartsTheReleaseThatStartErlDataNames() throws {
        let release = try TestRelease(vmArgs: "-heart\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // As if 0.2.0 had been made permanent: start_erl.data names it.
        try release.addRelease(version: "0.2.0", apps: [try .lab()], sysConfig: "[].\n", vmArgs: "-heart\n")
        try release.write(
            StartErlData(ertsVersion: TestRelease.ertsVersion, releaseVersion: "0.2.0").text,
            "releases/start_erl.data"
        )
        #expect(try release.expectSuccess(["describe", "--json"]).contains("\"version\":\"0.1.0\""))
        _ = try #require(try trap(release, pid: pid))
        #expect(try release.expectSuccess(["describe", "--json"]).contains("\"booted_version\":\"0.2.0\""))
    }

    @Test func withoutHeartATrapEndsTheNode() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        _ = try release.run(["rpc", "lab", "trap"])
        #expect(release.eventually { !isAlive(pid) })
        #expect(try release.run(["ping"]).status == 3)
        // The stale socket does not keep a new node from starting.
        #expect(FileManager.default.fileExists(atPath: release.socket))
        let next = try release.start()
        #expect(next != pid)
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }
}
