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
            terminated == [
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
            versions == .list([
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

    @Test func foregroundStopsOnSIGINT() throws {
        let release = try TestRelease()
        let node = try RunningCommand(release.script, ["foreground"])
        defer { kill(node.pid, SIGKILL) }
        #expect(try release.eventually { try release.run(["ping"]).status == 0 })
        kill(node.pid, SIGINT)
        let result = try node.wait(timeout: .seconds(30))
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("reason=SIGINT received"))
    }

    @Test func stopWaitsForTheProcessAndEscalatesWhenItHangs() throws {
        // lab sleeps in a call during the shutdown... instead: a shutdown_time shorter than
        // the stop lets the node end itself; here the stop's own timeout is what is tested.
        let release = try TestRelease(vmArgs: "-shutdown_time 60000\n")
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // A call that keeps lab busy for 3 s: its supervisor's shutdown waits for it.
        let busy = try RunningCommand(release.script, ["rpc", "lab", "{sleep, 3000}", "--timeout", "10000"])
        Thread.sleep(forTimeInterval: 0.3)
        let stop = try release.run(["stop", "--timeout", "1000"])
        #expect(stop.status == 4, "\(stop)")
        #expect(stop.stderr.contains("did not stop within 1000 ms"))
        #expect(!isAlive(pid))
        _ = try? busy.wait(timeout: .seconds(10))
    }
}
