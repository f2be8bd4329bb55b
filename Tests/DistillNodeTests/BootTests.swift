//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// How a release boots: configuration with `${VAR}`, `vm.args`, application order and types,
/// and the errors that stop a boot.
struct BootTests {
    @Test func sysConfigAndVMArgsTakeEnvironmentVariables() throws {
        let release = try TestRelease(
            sysConfig: "[{lab, [{greeting, \"${GREETING}\"}, {level, '${LEVEL:-low}'}, {port, <<\"${PORT}\">>}]}].\n",
            vmArgs: "## flags\n-schedulers ${SCHEDULERS}\n-env LAB_MODE \"fast and ${GREETING}\"  # a comment\n"
                + "-env PORT 4040\n-log_level ${LOG_LEVEL:-info}\n"
        )
        defer { release.stopIfRunning() }
        try release.start(environment: ["GREETING": "hello", "SCHEDULERS": "1"])
        #expect(try release.rpc("lab", "{env, greeting}") == "\"hello\"")
        #expect(try release.rpc("lab", "{env, level}") == "low")
        // -env sets the variable before sys.config is read, and in the node's environment.
        #expect(try release.rpc("lab", "{env, port}") == "<<\"4040\">>")
        #expect(try release.rpc("lab", "{getenv, 'LAB_MODE'}") == "<<\"fast and hello\">>")
        // The .app's env is the default; sys.config adds to it.
        #expect(try release.rpc("lab", "{env, echo_port}") == "0")
    }

    @Test func anUnsetVariableStopsTheBootWithItsPlace() throws {
        let release = try TestRelease(sysConfig: "[{lab,\n  [{greeting, \"${GREETING}\"}]}].\n")
        let result = try release.run(["start"])
        #expect(result.status == 6, "\(result)")
        #expect(
            result.stderr.contains(
                "releases/0.1.0/sys.config:2:15: error: environment variable 'GREETING' is not set"
            ),
            "\(result)"
        )
        let foreground = try release.run(["foreground"])
        #expect(foreground.status == 6)
        #expect(foreground.stderr.contains("distill-run: releases/0.1.0/sys.config:2:15: error:"))
    }

    static let badFlags: [(vmArgs: String, message: String)] = [
        (
            "-schedulerz 2\n",
            "releases/0.1.0/vm.args:1:1: error: unknown flag '-schedulerz'; did you mean '-schedulers'?"
        ),
        ("\n-schedulers many\n", "releases/0.1.0/vm.args:2:13: error: '-schedulers' takes a number from 1 to 1024, found 'many'"),
        ("+K true\n", "releases/0.1.0/vm.args:1:1: error: '+K' is a flag of Erlang's VM; the Swift node has no use for it"),
        ("-heart_restarts 5\n", "releases/0.1.0/vm.args:1:17: error: '-heart_restarts' takes N/SECONDS (such as 5/60), found '5'"),
        ("-env ONLYKEY\n", "releases/0.1.0/vm.args:1:1: error: '-env' takes KEY VALUE, found 'ONLYKEY'"),
    ]

    @Test(arguments: 0..<5)
    func aBadVMArgsFlagStopsTheBoot(_ index: Int) throws {
        let (vmArgs, message) = Self.badFlags[index]
        let release = try TestRelease(vmArgs: vmArgs)
        let result = try release.run(["foreground"])
        #expect(result.status == 6)
        #expect(result.stderr == "distill-run: \(message)\n")
    }

    @Test func aPluginThatDoesNotMatchItsAppFileIsRefused() throws {
        var lab = try TestRelease.App.lab()
        lab.spec.modules = ["Lab", "Echo", "Worker", "LabSupervisor", "Missing"]
        let release = try TestRelease(apps: [lab])
        let result = try release.run(["foreground"])
        #expect(result.status == 6)
        // (Standard error also has the log's lines in the foreground: "loaded plugin".)
        #expect(
            result.stderr.hasSuffix(
                "\ndistill-run: lib/lab-1.0.0/lib/libLabPlugin-1.0.0.so: error: the plugin does not match "
                    + "lib/lab-1.0.0/ebin/lab.app: it lacks module(s) Missing that the .app lists; it has module(s) "
                    + "StrategySupervisor that the .app does not list\n"
            )
        )
    }

    @Test func anApplicationDirectoryNeedsExactlyOnePlugin() throws {
        let release = try TestRelease()
        try release.write("", "lib/lab-1.0.0/lib/libOther.so")
        let result = try release.run(["foreground"])
        #expect(result.status == 6)
        #expect(
            result.stderr
                == "distill-run: lib/lab-1.0.0/lib: error: application 'lab' must have exactly one .so file here, "
                + "found libLabPlugin-1.0.0.so, libOther.so\n"
        )
    }

    @Test func applicationsStartAfterTheApplicationsTheyNeed() throws {
        // The .rel lists lab first, but lab's .app needs kv.
        let release = try TestRelease(apps: [try .lab(applications: ["kv"]), try .kv()])
        defer { release.stopIfRunning() }
        try release.start()
        let started = release.log.split(separator: "\n").filter { $0.contains("application started") }
        #expect(started.count == 2)
        #expect(started.first?.contains("application=kv") == true)
        #expect(started.last?.contains("application=lab") == true)
        #expect(try release.rpc("kv", "{put, a, b}") == "ok")
        #expect(try release.rpc("kv", "{get, a}") == "b")
        // And they stop in reverse: lab, then kv.
        try release.expectSuccess(["stop"])
        let stopped = release.log.split(separator: "\n").filter { $0.contains("application stopped") }
        #expect(stopped.map { $0.contains("application=lab") } == [true, false])
    }

    @Test func aMissingDependencyIsABootError() throws {
        let release = try TestRelease(apps: [try .lab(applications: ["kv"])])
        let result = try release.run(["foreground"])
        #expect(result.status == 6)
        #expect(result.stderr == "distill-run: error: application 'lab' needs 'kv', which release 'lab' does not include\n")
    }

    @Test func aLoadApplicationIsLoadedButNotStarted() throws {
        let release = try TestRelease(apps: [try .lab(), try .kv(type: .load)])
        defer { release.stopIfRunning() }
        try release.start()
        let kv = try release.run(["rpc", "kv", "{get, a}"])
        #expect(kv.status == 1)
        let json = try release.expectSuccess(["describe", "--json"])
        #expect(json.contains("{\"name\":\"kv\",\"status\":\"loaded\",\"type\":\"load\",\"version\":\"0.1.0\"}"))
    }

    /// Kills `echo` until LabSupervisor (3 restarts in 10 s) gives up: the lab application exits
    /// with reason `shutdown`.
    private func exhaustLab(_ release: TestRelease) throws {
        for _ in 1...4 {
            guard let before = try? release.rpc("lab", "{whereis, echo}") else { return }
            guard (try? release.rpc("lab", "{kill, echo}")) != nil else { return }
            _ = release.eventually(.seconds(5)) { (try? release.rpc("lab", "{whereis, echo}")) != before }
        }
    }

    static let types: [(type: ApplicationType, stopsNode: Bool)] = [
        (.permanent, true), (.transient, true), (.temporary, false),
    ]

    @Test(arguments: 0..<3)
    func anApplicationsExitFollowsItsType(_ index: Int) throws {
        let (type, stopsNode) = Self.types[index]
        let release = try TestRelease(apps: [try .kv(), try .lab(type: type)])
        let node = try RunningCommand(release.script, ["foreground"])
        defer { kill(node.pid, SIGKILL) }
        #expect(try release.eventually { try release.run(["ping"]).status == 0 })
        try exhaustLab(release)
        #expect(release.eventually { release.log.contains("application exited") })
        if stopsNode {
            let result = try node.wait(timeout: .seconds(30))
            #expect(result.status == 1, "\(result)")
            #expect(release.log.contains("critical distill: application exited application=lab reason=shutdown type=\(type.rawValue)"))
            #expect(release.log.contains("node stopping reason=\(type.rawValue) application lab exited: shutdown"))
            #expect(release.log.contains("node stopped exit_status=1"))
        } else {
            #expect(release.log.contains("error distill: application exited application=lab reason=shutdown type=temporary"))
            #expect(try release.expectSuccess(["ping"]) == "pong")
            #expect(try release.rpc("kv", "{put, a, b}") == "ok")
            #expect(try release.expectSuccess(["describe", "--json"]).contains("\"name\":\"lab\",\"status\":\"stopped\""))
            try release.expectSuccess(["stop"])
            #expect(try node.wait(timeout: .seconds(30)).status == 0)
        }
    }
}
