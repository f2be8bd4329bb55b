//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// `bin/REL start | ping | pid | describe | stop | restart | foreground` on real releases.
struct NodeLifecycleTests {
    @Test func startAnswersAndStopIsClean() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        #expect(isAlive(pid))
        #expect(try release.expectSuccess(["ping"]) == "pong")
        #expect(try release.expectSuccess(["pid"]) == String(pid))

        #expect(try release.expectSuccess(["stop"]) == "ok")
        #expect(!isAlive(pid))
        #expect(!FileManager.default.fileExists(atPath: release.socket))
        #expect(!FileManager.default.fileExists(atPath: release.pidFile))
        // Applications stop in reverse order, each supervisor its children in reverse, and
        // every `terminate` runs.
        let terminated = (release.read("terminate.log") ?? "").split(separator: "\n").map(String.init)
        #expect(
            terminated
                == [
                    "r3", "r2", "r1", "a3", "a2", "a1", "o3", "o2", "o1", "echo", "lab",
                ].map { "\($0) terminate shutdown" }
        )
        #expect(release.log.contains("node stopped exit_status=0"))
        let after = try release.run(["ping"])
        #expect(after.status == 3)
        #expect(after.stderr.contains("lab is not running"))
    }

    @Test func describeShowsTheReleaseItsApplicationsAndImages() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // Pids print as Erlang prints them (<0.1.0>), which is not term syntax: made atoms here.
        let text = try release.expectSuccess(["describe"]).replacingOccurrences(
            of: "<([0-9]+)\\.([0-9]+)\\.([0-9]+)>",
            with: "'<$1.$2.$3>'",
            options: .regularExpression
        )
        let description = try TermParser.parseOne(text)
        guard case .map(let map) = description else {
            Issue.record("not a map: \(text)")
            return
        }
        #expect(map[.atom("release")] == .atom("lab"))
        #expect(map[.atom("version")] == .string("0.1.0"))
        #expect(map[.atom("pid")] == .integer(Int(pid)))
        #expect(map[.atom("heart")] == .atom("false"))
        let applications = map[.atom("applications")]?.listElements ?? []
        #expect(applications.count == 1)
        if case .map(let lab)? = applications.first {
            #expect(lab[.atom("name")] == .atom("lab"))
            #expect(lab[.atom("status")] == .atom("running"))
            #expect(lab[.atom("type")] == .atom("permanent"))
            #expect(lab[.atom("supervisor")]?.atomValue?.hasPrefix("<0.") == true)
        }
        let images = map[.atom("images")]?.listElements ?? []
        #expect(images.count == 1)
        if case .map(let image)? = images.first {
            #expect(image[.atom("path")] == .string(release.root + "/lib/lab-1.0.0/lib/libLabPlugin-1.0.0.so"))
        }

        let json = try release.expectSuccess(["describe", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["ok"] as? Bool == true)
        let result = object?["result"] as? [String: Any]
        #expect(result?["release"] as? String == "lab")
        #expect(result?["pid"] as? Int == Int(pid))
        #expect(result?["heart"] as? Bool == false)
    }

    @Test func versionsListsTheReleasesFile() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let versions = try TermParser.parseOne(try release.expectSuccess(["versions"]))
        #expect(
            versions
                == .list([
                    .map(
                        TermMap([
                            (.atom("running"), .atom("true")), (.atom("status"), .atom("permanent")),
                            (.atom("version"), .string("0.1.0")),
                        ])
                    )
                ])
        )
    }

    @Test func restartBootsAgainInTheSameProcess() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        _ = try release.rpc("lab", "{echo, 1}")
        try release.run(["cast", "lab", "{set, a, 1}"])
        #expect(try release.rpc("lab", "{get, a}") == "1")
        #expect(try release.expectSuccess(["restart"]) == "ok")
        #expect(try release.expectSuccess(["pid"]) == String(pid))
        // A fresh boot: the state of before is gone.
        #expect(try release.rpc("lab", "{get, a}") == "undefined")
        #expect(release.log.components(separatedBy: "node ready").count == 3)
    }

    @Test func aSecondStartIsRefused() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let second = try release.run(["start"])
        #expect(second.status == 7)
        #expect(second.stderr.contains("already running"))
        let foreground = try release.run(["foreground"])
        #expect(foreground.status == 7)
    }

    @Test func aSecondStartIsRefusedByTheLockEvenWithoutTheSocket() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // The socket gone (a cleaner of /tmp-like directories, an operator's rm): a probe of it
        // finds nothing, but the first node still runs its applications.
        try FileManager.default.removeItem(atPath: release.socket)
        let second = try release.run(["start"])
        #expect(second.status == 7, "\(second)")
        #expect(second.stderr == "lab: error: lab is already running: pid \(pid) holds var/run/lab.lock\n")
        let foreground = try release.run(["foreground"])
        #expect(foreground.status == 7, "\(foreground)")
        #expect(foreground.stderr.contains("lab is already running: pid \(pid) holds var/run/lab.lock"))
        // Nor with var/run/ gone (pid files, lock file and all).
        try FileManager.default.removeItem(atPath: release.root + "/var/run")
        let third = try release.run(["start"])
        #expect(third.status == 7, "\(third)")
        #expect(
            third.stderr == "lab: error: lab is already running: another process holds the release's lock "
                + "(var/run/lab.lock is gone)\n"
        )
        // No second node booted: one "node ready" in the log, and the first node still runs.
        #expect(release.log.components(separatedBy: "node ready").count == 2, "\(release.log)")
        #expect(isAlive(pid))
        kill(pid, SIGTERM)
        #expect(release.eventually { !isAlive(pid) })
    }

    @Test func twoStartsAtOnceBootOneNode() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let starts = try (0..<2).map { _ in try RunningCommand(release.script, ["start"]) }
        let results = try starts.map { try $0.wait(timeout: .seconds(60)) }
        #expect(results.map(\.status).sorted() == [0, 7], "\(results)")
        // One node ready (the line may follow the first ping's answer by a moment), never two.
        #expect(release.eventually(.seconds(5)) { release.log.contains("node ready") }, "\(release.log)")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(release.log.components(separatedBy: "node ready").count == 2, "\(release.log)")
        // The loser never started lab: nothing was terminated.
        #expect(release.read("terminate.log") == nil)
    }

    @Test func aStaleHeartPidFileNeverLeadsStopToSignalAnotherProcess() throws {
        let release = try TestRelease(vmArgs: "-shutdown_time 60000\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // A process that is not ours has the pid a stale heart pid file names (one that a
        // SIGTERM ends: this test process may have the stop signals blocked, which a child keeps).
        let bystander = try RunningCommand(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import signal, time; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM]); "
                    + "signal.signal(signal.SIGTERM, signal.SIG_DFL); time.sleep(60)",
            ]
        )
        defer { kill(bystander.pid, SIGKILL) }
        try release.write("\(bystander.pid)\n", "var/run/lab.heart.pid")
        // lab busy, so that stop escalates to signals.
        let busy = try RunningCommand(release.script, ["rpc", "lab", "{sleep, 5000}", "--timeout", "10000"])
        #expect(
            release.eventually { (try? release.run(["rpc", "lab", "{echo, 1}", "--timeout", "100"]))?.status == 4 }
        )
        let stop = try release.run(["stop", "--timeout", "1000"])
        #expect(stop.status == 4, "\(stop)")
        #expect(stop.stderr.contains("did not stop within 1000 ms; it was sent SIGTERM"), "\(stop)")
        #expect(!isAlive(pid))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(isAlive(bystander.pid), "stop signalled pid \(bystander.pid), which a stale heart pid file named")
        _ = try? busy.wait(timeout: .seconds(10))
    }

    @Test func aFailedUpgradeAndItsRollbackAreInTheNodesLog() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        try release.place(KVRelease.v2)
        try release.place(KVRelease.v3)
        try release.expectSuccess(["upgrade", "0.2.0"])
        _ = try release.rpc("kv", "{put, refuse_upgrade, yes}")
        let failed = try release.run(["upgrade", "0.3.0"])
        #expect(failed.status == 1, "\(failed)")
        let lines = release.log.split(separator: "\n").filter { $0.contains("upgrading to 0.3.0 failed") }
        #expect(lines.count == 1, "\(release.log)")
        let line = String(lines.first ?? "")
        #expect(line.contains(" error "), "\(line)")
        #expect(line.contains("code=instruction_failed"), "\(line)")
        #expect(line.contains("kv refuses to upgrade: refuse_upgrade is set; the old release is back"), "\(line)")
        #expect(line.contains("old code back: KV"), "\(line)")
        // A failing health check: the failure and the downgrade, in the log too.
        _ = try release.rpc("kv", "{delete, refuse_upgrade}")
        let unhealthy = try release.run(["upgrade", "0.3.0", "--health", "exit 3"])
        #expect(unhealthy.status == 1, "\(unhealthy)")
        #expect(release.log.contains("upgrading to 0.3.0 failed code=health_check_failed"), "\(release.log)")
    }

    @Test func anUpgradeStuckOnASuspendWithTimeoutInfinityEndsAtItsTimeLimit() throws {
        let release = try KVRelease()
        defer { release.stopIfRunning() }
        try release.start()
        var v2 = KVRelease.v2
        v2.relup = KVRelease.relup(
            "0.2.0",
            from: "0.1.0",
            up: [
                .loadObjectCode(application: "kv", version: "0.2.0", modules: ["KV"]),
                .pointOfNoReturn,
                .suspend([SuspendedModule(module: "KV", timeout: .infinity)]),
                .load(module: "KV", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .resume(modules: ["KV"]),
            ],
            down: KVRelease.soft("0.1.0", ["KV"])
        )
        try release.place(v2)
        // kv busy for 8 s: the suspend would wait that long, and the release handler with it.
        let busy = try RunningCommand(release.script, ["rpc", "kv", "{sleep, 8000}", "--timeout", "30000"])
        Thread.sleep(forTimeInterval: 0.3)
        let started = ContinuousClock.now
        let failed = try release.run(["upgrade", "0.2.0", "--time-limit", "500"])
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(failed.status == 1, "\(failed)")
        #expect(
            failed.stderr.contains(
                "did not finish its current message before the install's time limit (500 ms) passed"
            ),
            "\(failed)"
        )
        // The handler is free: the next command is not refused as busy.
        let versions = try release.run(["versions"])
        #expect(versions.status == 0, "\(versions)")
        #expect(try release.statuses()["0.2.0"] == "unpacked")
        #expect(try release.run(["remove", "0.2.0"]).status == 0)
        #expect(try busy.wait(timeout: .seconds(40)).stdout == "slept\n")
        #expect(try release.rpc("kv", "version") == "<<\"0.1.0\">>")
    }

    @Test func commandsWithoutANodeSayItIsNotRunning() throws {
        let release = try TestRelease()
        for command in [["ping"], ["pid"], ["describe"], ["stop"], ["rpc", "lab", "hi"], ["upgrade", "0.2.0"]] {
            let result = try release.run(command)
            #expect(result.status == 3, "\(command): \(result)")
            #expect(result.stderr == "lab: error: lab is not running (nothing listens on var/run/lab.sock)\n")
        }
        let json = try release.run(["ping", "--json"])
        #expect(json.status == 3)
        #expect(
            json.stdout
                == "{\"ok\":false,\"error\":{\"code\":\"not_running\",\"message\":\"lab is not running (nothing listens on var/run/lab.sock)\"}}\n"
        )
    }

    @Test func foregroundStaysAttachedAndStopsOnSIGTERM() throws {
        let release = try TestRelease()
        let node = try RunningCommand(release.script, ["foreground"])
        defer { kill(node.pid, SIGKILL) }
        #expect(try release.eventually { try release.run(["ping"]).status == 0 })
        // The shell script execs the launcher: the foreground process is the node.
        #expect(try release.expectSuccess(["pid"]) == String(node.pid))
        kill(node.pid, SIGTERM)
        let result = try node.wait(timeout: .seconds(30))
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("node stopping reason=SIGTERM received"))
        #expect(release.read("terminate.log")?.hasSuffix("echo terminate shutdown\nlab terminate shutdown\n") == true)
        #expect(!FileManager.default.fileExists(atPath: release.socket))
    }

    @Test(arguments: [(SIGINT, "SIGINT"), (SIGHUP, "SIGHUP")])
    func foregroundStopsCleanlyOnSIGINTAndHangup(_ signal: Int32, _ name: String) throws {
        let release = try TestRelease()
        let node = try RunningCommand(release.script, ["foreground"])
        defer { kill(node.pid, SIGKILL) }
        #expect(try release.eventually { try release.run(["ping"]).status == 0 })
        kill(node.pid, signal)
        let result = try node.wait(timeout: .seconds(30))
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("reason=\(name) received"))
    }

    @Test func aDaemonIgnoresHangups() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        kill(pid, SIGHUP)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    @Test func stopWaitsForTheProcessAndEscalatesWhenItHangs() throws {
        let release = try TestRelease(vmArgs: "-shutdown_time 60000\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // A call keeps lab busy for 5 s, so its supervisor's shutdown waits for it.
        let busy = try RunningCommand(release.script, ["rpc", "lab", "{sleep, 5000}", "--timeout", "10000"])
        #expect(
            release.eventually { (try? release.run(["rpc", "lab", "{echo, 1}", "--timeout", "100"]))?.status == 4 }
        )
        let stop = try release.run(["stop", "--timeout", "1000"])
        #expect(stop.status == 4, "\(stop)")
        // SIGTERM during a stop ends the node at once (no SIGKILL needed).
        #expect(stop.stderr.contains("lab (pid \(pid)) did not stop within 1000 ms; it was sent SIGTERM\n"))
        #expect(release.log.contains("signal during shutdown: exiting now"))
        #expect(!isAlive(pid))
        _ = try? busy.wait(timeout: .seconds(10))
    }
}
