//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Synchronization
import Testing

/// Real releases, real processes: a `kv` node started with `bin/kv start`, upgraded with
/// `bin/kv upgrade` through its control socket (the fixture's plugins: kv 0.1.0 to 0.4.0).
@Suite(.serialized)
struct LiveUpgradeTests {
    @Test func upgradesAndDowngradesKeepStateAndConnections() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        #expect(try release.rpc("kv", "{fill, 100}") == "100")
        let port = try #require(Int(try release.rpc("echo", "port")))
        let client = try EchoClient(port: port)
        #expect(try client.echo("a") == "0.1.0 #1 a")
        for version in [KVRelease.v2, KVRelease.v3, KVRelease.v4] { try release.place(version) }

        var echoed = 1
        for (version, expected) in [("0.2.0", "0.2.0"), ("0.3.0", "0.3.0"), ("0.4.0", "0.4.0")] {
            let output = try release.expectSuccess(["upgrade", version])
            #expect(output.contains("made \(version) permanent"), "\(output)")
            #expect(try release.rpc("kv", "version") == "<<\"\(expected)\">>")
            #expect(try release.rpc("kv", "{get, <<\"key-42\">>}") == "<<\"value-42-0123456789abcdef\">>")
            echoed += 1
            #expect(try client.echo("x") == "\(expected) #\(echoed) x")
            #expect(release.startErlData == "\(KVRelease.erts) \(version)")
        }
        // 0.3.0's codeChange saw the state of vsn 1.
        #expect(try release.rpc("kv", "upgraded_from") == "<<\"1\">>")
        #expect(try release.statuses() == ["0.4.0": "permanent", "0.3.0": "old", "0.2.0": "old", "0.1.0": "old"])

        for version in ["0.3.0", "0.2.0", "0.1.0"] {
            try release.expectSuccess(["downgrade", version])
            #expect(try release.rpc("kv", "version") == "<<\"\(version)\">>")
            #expect(try release.rpc("kv", "{get, <<\"key-99\">>}") == "<<\"value-99-0123456789abcdef\">>")
            echoed += 1
            #expect(try client.echo("y") == "\(version) #\(echoed) y")
            #expect(release.startErlData == "\(KVRelease.erts) \(version)")
        }
        #expect(try release.rpc("kv", "count") == "100")
        #expect(release.pid == pid)
        let versions = try release.expectSuccess(["versions"])
        #expect(versions.contains("status => permanent") || versions.contains("permanent"), "\(versions)")
        // Four images stay mapped: none is ever unloaded.
        let described = try release.expectSuccess(["releases"])
        #expect(described.components(separatedBy: "{image,").count - 1 == 4, "\(described)")
    }

    @Test func aThrowingCodeChangeRollsBackAndTheNodeKeepsServing() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        try release.place(KVRelease.v2)
        try release.place(KVRelease.v3)
        try release.expectSuccess(["upgrade", "0.2.0"])
        _ = try release.rpc("kv", "{fill, 10}")
        _ = try release.rpc("kv", "{put, refuse_upgrade, yes}")
        let failed = try release.run(["upgrade", "0.3.0"])
        #expect(failed.status == 1)
        #expect(
            failed.stderr.contains("kv refuses to upgrade: refuse_upgrade is set; the old release is back"),
            "\(failed)"
        )
        #expect(failed.stderr.contains("old code back: KV"), "\(failed)")
        #expect(try release.rpc("kv", "version") == "<<\"0.2.0\">>")
        #expect(try release.rpc("kv", "{get, <<\"key-3\">>}") == "<<\"value-3-0123456789abcdef\">>")
        #expect(try release.statuses() == ["0.3.0": "unpacked", "0.2.0": "permanent", "0.1.0": "old"])
        _ = try release.rpc("kv", "{delete, refuse_upgrade}")
        try release.expectSuccess(["upgrade", "0.3.0"])
        #expect(try release.rpc("kv", "{get, <<\"key-3\">>}") == "<<\"value-3-0123456789abcdef\">>")
    }

    @Test func aSuspendTimeoutRollsBack() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        var v2 = KVRelease.v2
        v2.relup = KVRelease.relup(
            "0.2.0",
            from: "0.1.0",
            up: [
                .loadObjectCode(application: "kv", version: "0.2.0", modules: ["KV", "EchoHandler"]),
                .pointOfNoReturn,
                .suspend([SuspendedModule(module: "EchoHandler")]),
                .load(module: "EchoHandler", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .resume(modules: ["EchoHandler"]),
                .suspend([SuspendedModule(module: "KV", timeout: .milliseconds(200))]),
                .load(module: "KV", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .resume(modules: ["KV"]),
            ],
            down: KVRelease.soft("0.1.0", ["KV"])
        )
        try release.place(v2)
        let busy = try RunningCommand(release.script, ["rpc", "kv", "{sleep, 3000}", "--timeout", "10000"])
        Thread.sleep(forTimeInterval: 0.3)
        let failed = try release.run(["upgrade", "0.2.0"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("did not finish its current message within 200 ms"), "\(failed)")
        #expect(try busy.wait(timeout: .seconds(20)).stdout == "slept\n")
        #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>")
        #expect(release.startErlData == "\(KVRelease.erts) 0.1.0")
    }

    @Test func aFailingHealthCheckDowngradesInPlace() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        _ = try release.rpc("kv", "{fill, 5}")
        try release.place(KVRelease.v2)
        let failed = try release.run([
            "upgrade", "0.2.0", "--health", "bin/kv rpc kv '{get, <<\"key-1\">>}' | grep -q nothing", "--soak", "1",
        ])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("on run 1; downgraded in place to 0.1.0, which keeps running"), "\(failed)")
        #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>")
        #expect(try release.rpc("kv", "{get, <<\"key-1\">>}") == "<<\"value-1-0123456789abcdef\">>")
        #expect(try release.statuses() == ["0.2.0": "unpacked", "0.1.0": "permanent"])
        // A health check that passes over the soak makes the release permanent.
        let output = try release.expectSuccess(["upgrade", "0.2.0", "--health", "bin/kv ping", "--soak", "0.5"])
        #expect(output.contains("health check passed"), "\(output)")
        #expect(try release.statuses()["0.2.0"] == "permanent")
    }

    @Test func aSecondUpgradeWhileOneRunsIsRefused() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        try release.place(KVRelease.v2)
        let first = try RunningCommand(release.script, ["upgrade", "0.2.0", "--health", "sleep 0.3", "--soak", "1.5"])
        #expect(try waitUntil { try release.rpc("kv", "version") == "<<\"0.2.0\">>" })
        let second = try release.run(["upgrade", "0.2.0"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("the release handler is upgrading to 0.2.0; wait for it to finish"), "\(second)")
        #expect(try first.wait(timeout: .seconds(30)).status == 0)
    }

    @Test func messagesDuringTheSuspensionAreAllAnswered() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        _ = try release.rpc("kv", "{fill, 1000}")
        _ = try release.rpc("probe", "{start, 1000}")
        try release.place(KVRelease.v2)
        try release.place(KVRelease.v3)
        try release.expectSuccess(["upgrade", "0.2.0"])
        try release.expectSuccess(["upgrade", "0.3.0"])
        try release.expectSuccess(["downgrade", "0.2.0"])
        let stats = try release.rpc("probe", "stats")
        _ = try release.rpc("probe", "stop")
        #expect(stats.contains("{failures,0}") && stats.contains("{wrong,0}"), "\(stats)")
        #expect(!stats.contains("{calls,0}"), "\(stats)")
    }

    /// Twenty upgrades and downgrades while clients work without pause: the probe calling
    /// kv inside the node, echo clients on TCP connections opened before the first upgrade,
    /// and a command-line client writing through `bin/kv rpc`. No call fails, no connection
    /// drops, every acknowledged write is there at the end.
    @Test func twentyUpgradesUnderLoadLoseNothing() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        _ = try release.rpc("kv", "{fill, 10000}")
        try release.place(KVRelease.v2)
        let port = try #require(Int(try release.rpc("echo", "port")))
        let clients = try (0..<3).map { _ in try EchoClient(port: port) }
        _ = try release.rpc("probe", "{start, 10000}")

        let running = Mutex(true)
        let finished = Mutex(0)
        let echoes = Mutex((sent: 0, failures: [String]()))
        let echoThreads = clients.enumerated().map { index, client in
            Thread {
                var sent = 0
                while running.withLock({ $0 }) {
                    sent += 1
                    do {
                        let reply = try client.echo("c\(index)-\(sent)")
                        if !reply.hasSuffix(" c\(index)-\(sent)") {
                            echoes.withLock { $0.failures.append("client \(index) got '\(reply)'") }
                        }
                    } catch {
                        echoes.withLock { $0.failures.append("client \(index): \(error)") }
                        break
                    }
                }
                echoes.withLock { $0.sent += sent }
                finished.withLock { $0 += 1 }
            }
        }
        let writes = Mutex((acknowledged: [Int](), failures: [String]()))
        let writer = Thread {
            var index = 0
            while running.withLock({ $0 }) {
                index += 1
                do {
                    let reply = try release.rpc("kv", "{put, <<\"w-\(index)\">>, <<\"v-\(index)\">>}")
                    if reply == "ok" {
                        writes.withLock { $0.acknowledged.append(index) }
                    } else {
                        writes.withLock { $0.failures.append("put \(index): \(reply)") }
                    }
                } catch {
                    writes.withLock { $0.failures.append("put \(index): \(error)") }
                }
            }
            finished.withLock { $0 += 1 }
        }
        for thread in echoThreads + [writer] { thread.start() }

        for cycle in 1...10 {
            try release.expectSuccess(["upgrade", "0.2.0"])
            #expect(try release.rpc("kv", "version") == "<<\"0.2.0\">>", "cycle \(cycle)")
            try release.expectSuccess(["downgrade", "0.1.0"])
            #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>", "cycle \(cycle)")
        }
        running.withLock { $0 = false }
        #expect(waitUntil { finished.withLock { $0 } == echoThreads.count + 1 })

        let stats = try release.rpc("probe", "stats")
        _ = try release.rpc("probe", "stop")
        #expect(stats.contains("{failures,0}") && stats.contains("{wrong,0}"), "\(stats)")
        #expect(!stats.contains("{calls,0}"), "\(stats)")
        let echoed = echoes.withLock { $0 }
        #expect(echoed.failures.isEmpty, "\(echoed.failures)")
        #expect(echoed.sent > 0)
        for client in clients { #expect(try client.echo("last").hasSuffix(" last")) }
        let written = writes.withLock { $0 }
        #expect(written.failures.isEmpty, "\(written.failures)")
        #expect(!written.acknowledged.isEmpty)
        for index in written.acknowledged {
            #expect(try release.rpc("kv", "{get, <<\"w-\(index)\">>}") == "<<\"v-\(index)\">>")
        }
        #expect(try release.rpc("kv", "count") == "\(10000 + written.acknowledged.count)")
        print(
            "20 upgrades under load: probe \(stats); \(echoed.sent) echoes on 3 connections; "
                + "\(written.acknowledged.count) writes through bin/kv rpc"
        )
    }

    @Test func aPluginBuiltAgainstAnotherRuntimeIsRefused() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        var v2 = KVRelease.v2
        v2.fingerprint = "0123456789abcdef0123456789abcdef01234567"
        try release.place(v2)
        let failed = try release.run(["upgrade", "0.2.0"])
        let fingerprint = try UpgradeRuntime.get().built.fingerprint
        #expect(failed.status == 1)
        #expect(
            failed.stderr.contains(
                "was built against DistillRuntime 0123456789abcdef0123456789abcdef01234567, this node runs \(fingerprint)"
            ),
            "\(failed)"
        )
        #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>")
    }

    @Test func theImageLimitAdvisesARestart() throws {
        let release = try KVRelease(
            installed: KVRelease.Version(version: "0.1.0", sysConfig: "[{distill, [{image_limit, 2}]}].\n")
        )
        defer { release.stopIfRunning() }
        try release.start()
        try release.place(KVRelease.v2)
        try release.place(KVRelease.v3)
        try release.expectSuccess(["upgrade", "0.2.0"])
        let refused = try release.run(["upgrade", "0.3.0"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "2 images loaded and the upgrade needs 1 more (limit 2); restart the node (bin/REL restart) to drop old ones"
            ),
            "\(refused)"
        )
        // Going back maps nothing new.
        try release.expectSuccess(["downgrade", "0.1.0"])
    }

    @Test func unpackInstallAndRemoveOneByOne() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        try release.place(KVRelease.v2)
        #expect(try release.expectSuccess(["unpack", "0.2.0"]) == "unpacked 0.2.0")
        let installed = try release.expectSuccess(["install", "0.2.0"])
        #expect(installed.hasPrefix("installed 0.2.0 over 0.1.0 in "), "\(installed)")
        #expect(try release.statuses() == ["0.2.0": "unpacked", "0.1.0": "permanent"])
        // A restart goes back to the permanent release.
        try release.expectSuccess(["restart"])
        #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>")
        let removed = try release.run(["remove", "0.1.0"])
        #expect(removed.status == 1 && removed.stderr.contains("release 0.1.0 is permanent"), "\(removed)")
        #expect(try release.expectSuccess(["remove", "0.2.0"]) == "removed 0.2.0")
        #expect(!FileManager.default.fileExists(atPath: release.root + "/lib/kv-0.2.0"))
    }

    // MARK: - Crash safety

    /// `kill -9` at every step of `bin/kv upgrade 0.2.0` (each file written, each tree moved,
    /// each relup instruction): the files stay consistent and the next boot runs the
    /// permanent release.
    @Test func aKillAtAnyStepOfAnUpgradeLeavesABootableRelease() throws {
        var step = 1
        var completed = false
        while !completed {
            let release = try KVRelease()
            defer { release.stopIfRunning() }
            let pid = try release.start(environment: ["DISTILL_TEST_CRASH_AT_STEP": String(step)])
            try release.place(KVRelease.v2)
            let upgrade = try release.run(["upgrade", "0.2.0"])
            if upgrade.status == 0 {
                completed = true
            } else {
                #expect(upgrade.status == 3, "step \(step): \(upgrade)")
                #expect(try waitUntil { !isAlive(pid) }, "step \(step): the node should be dead")
            }
            // Whatever happened, RELEASES and start_erl.data agree once the node boots again.
            let data = try StartErlData(parsing: release.startErlData, file: "start_erl.data")
            if !completed { try release.start() }
            #expect(try release.rpc("kv", "version") == "<<\"\(data.releaseVersion)\">>", "step \(step)")
            let statuses = try release.statuses()
            #expect(statuses[data.releaseVersion] == "permanent", "step \(step): \(statuses)")
            #expect(statuses.values.filter { $0 == "permanent" }.count == 1, "step \(step): \(statuses)")
            // And the upgrade can be finished from there.
            if statuses["0.2.0"] != "permanent" { try release.expectSuccess(["upgrade", "0.2.0"]) }
            #expect(try release.rpc("kv", "version") == "<<\"0.2.0\">>", "step \(step)")
            release.stopIfRunning()
            step += 1
            if step > 40 { break }
        }
        #expect(completed)
        #expect(
            step > 15,
            "the upgrade has 17 steps: extraction, 5 moves, RELEASES, 8 instructions, RELEASES, start_erl.data"
        )
    }

    // MARK: - Restarting the runtime

    @Test func aReleaseOnAnotherRuntimeRestartsTheNodeAndFinishesTheScript() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        _ = try release.rpc("kv", "{fill, 10}")
        let marker = release.root + "/applied-after-restart"
        var v2 = KVRelease.v2
        v2.erts = "0.0.2-upgrade"
        v2.relup = KVRelease.relup(
            "0.2.0",
            from: "0.1.0",
            up: [.restartNewEmulator] + KVRelease.soft("0.2.0", ["KV"])
                + [.apply(FunctionCall(module: "KVHooks", function: "touch", arguments: [.binary(marker)]))],
            down: KVRelease.soft("0.1.0", ["KV"]) + [.restartEmulator]
        )
        try release.place(v2)
        let output = try release.expectSuccess(["upgrade", "0.2.0", "--health", "bin/kv ping"])
        #expect(output.contains("the runtime restarted into 0.2.0"), "\(output)")
        #expect(output.contains("made 0.2.0 permanent"), "\(output)")
        #expect(release.pid == pid)
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "0.2.0")
        #expect(try release.rpc("kv", "version") == "<<\"0.2.0\">>")
        // The state does not survive a runtime restart (as in OTP).
        #expect(try release.rpc("kv", "count") == "0")
        #expect(release.startErlData == "0.0.2-upgrade 0.2.0")
        #expect(try release.statuses() == ["0.2.0": "permanent", "0.1.0": "old"])
        // And back, through restart_emulator.
        try release.expectSuccess(["downgrade", "0.1.0"])
        #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>")
        #expect(release.startErlData == "\(KVRelease.erts) 0.1.0")
        #expect(release.pid == pid)
    }
}

/// Polls `condition` every 20 ms for up to 20 seconds.
func waitUntil(_ timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? condition()) == true { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}
