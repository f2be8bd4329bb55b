//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTestSupport
import Foundation
import Testing

/// `bin/REL` itself: hooks, custom commands, usage, and `remote_console`.
struct ScriptTests {
    @Test func hooksRunInOrderAroundStartAndStop() throws {
        let release = try TestRelease(sysConfig: "[{lab, [{greeting, \"${GREETING}\"}]}].\n")
        defer { release.stopIfRunning() }
        let record = release.root + "/hooks.log"
        let hooks = "releases/0.1.0/hooks"
        // A pre_start hook exports what sys.config needs; hooks see the release's variables.
        try release.write(
            "export GREETING=from-hook\necho \"pre_start 10 $RELEASE_NAME $RELEASE_VSN\" >> \(record)\n",
            "\(hooks)/pre_start.d/10-env.sh"
        )
        try release.write("echo \"pre_start 02 $ERTS_VSN\" >> \(record)\n", "\(hooks)/pre_start.d/02-first.sh")
        try release.write(
            "echo \"post_start $(\"$RELEASE_ROOT/bin/lab\" ping)\" >> \(record)\n",
            "\(hooks)/post_start.d/hook.sh"
        )
        try release.write(
            "echo \"pre_stop $(\"$RELEASE_ROOT/bin/lab\" ping)\" >> \(record)\n",
            "\(hooks)/pre_stop.d/hook.sh"
        )
        try release.write("echo post_stop >> \(record)\n", "\(hooks)/post_stop.d/hook.sh")
        try release.start()
        #expect(try release.rpc("lab", "{env, greeting}") == "\"from-hook\"")
        try release.expectSuccess(["stop"])
        let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "pre_start 02 \(TestRelease.ertsVersion)", "pre_start 10 lab 0.1.0", "post_start pong", "pre_stop pong",
                "post_stop",
            ]
        )
    }

    @Test func aFailingHookStopsTheCommand() throws {
        let release = try TestRelease()
        try release.write("false\n", "releases/0.1.0/hooks/pre_start.d/fail.sh")
        let result = try release.run(["start"])
        #expect(result.status == 1)
        #expect(result.stderr == "lab: pre_start hook releases/0.1.0/hooks/pre_start.d/fail.sh failed\n")
        #expect(try release.run(["ping"]).status == 3)
    }

    @Test func foregroundRunsPostStartHooksOnceTheNodeAnswers() throws {
        let release = try TestRelease()
        let record = release.root + "/post_start.log"
        try release.write(
            "\"$RELEASE_ROOT/bin/lab\" rpc lab '{echo, up}' > \(record)\n",
            "releases/0.1.0/hooks/post_start.d/a.sh"
        )
        let node = try RunningCommand(release.script, ["foreground"])
        defer { kill(node.pid, SIGKILL) }
        #expect(release.eventually { (try? String(contentsOfFile: record, encoding: .utf8)) == "up\n" })
        try release.expectSuccess(["stop"])
        #expect(try node.wait(timeout: .seconds(30)).status == 0)
    }

    @Test func customCommandsGetTheirArgumentsAndTheReleaseVariables() throws {
        let release = try TestRelease()
        try release.write(
            "#!/bin/sh\necho \"migrate $* in $RELEASE_ROOT for $RELEASE_NAME $RELEASE_VSN\"\nexit 3\n",
            "releases/0.1.0/commands/migrate.sh",
            executable: true
        )
        try release.write("echo \"seed $1\"\n", "releases/0.1.0/commands/seed")
        let migrate = try release.run(["migrate", "up", "--to", "5"])
        #expect(migrate.status == 3)
        #expect(migrate.stdout == "migrate up --to 5 in \(release.root) for lab 0.1.0\n")
        #expect(try release.expectSuccess(["seed", "data"]) == "seed data")
    }

    @Test func anExportedCDPATHDoesNotMoveTheRoot() throws {
        let release = try TestRelease()
        try release.write("printf '%s\\n' \"$RELEASE_ROOT\"\n", "releases/0.1.0/commands/where")
        // A directory with a bin/ of its own, first on CDPATH: `cd bin/..` would go there.
        let decoy = try TemporaryDirectory(prefix: "distill-cdpath")
        try FileManager.default.createDirectory(atPath: decoy.path + "/bin", withIntermediateDirectories: true)
        let result = try runCommand(
            "/bin/sh",
            ["-c", "cd \"$1\" && exec bin/lab where", "sh", release.root],
            environment: ["CDPATH": decoy.path]
        )
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == release.root + "\n", "\(result)")
    }

    @Test(arguments: ["../escape.sh", "mig*", "mi?rate", "[m]igrate", ".hidden", "a b"])
    func commandNamesThatArePathsOrPatternsAreRefused(_ name: String) throws {
        let release = try TestRelease()
        let marker = release.root + "/ran"
        try release.write("#!/bin/sh\ntouch \(marker)\n", "releases/0.1.0/commands/migrate.sh", executable: true)
        try release.write("#!/bin/sh\ntouch \(marker)\n", "releases/0.1.0/commands/.hidden", executable: true)
        try release.write("#!/bin/sh\ntouch \(marker)\n", "releases/0.1.0/escape.sh", executable: true)
        let result = try release.run([name])
        #expect(result.status == 2, "\(result)")
        #expect(
            result.stderr == "lab: error: bad command name '\(name)' (letters, digits, '_', '-' and '.' only)\n",
            "\(result)"
        )
        #expect(!FileManager.default.fileExists(atPath: marker), "bin/lab \(name) ran a file")
    }

    @Test func aRootWithABackslashInItsPathRunsCustomCommands() throws {
        // dash's echo reads "\c" as "stop here": the path of the command found would be cut.
        let release = try TestRelease(directoryPrefix: "distill-back\\cslash")
        #expect(release.root.contains("\\c"))
        try release.write("echo \"seed $1\"\n", "releases/0.1.0/commands/seed")
        #expect(try release.expectSuccess(["seed", "data"]) == "seed data")
    }

    @Test func usageAndHelp() throws {
        let release = try TestRelease()
        let bare = try release.run([])
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("bin/lab start             start the node as a daemon"))
        let help = try release.run(["help"])
        #expect(help.status == 0)
        #expect(help.stderr.contains("Exit statuses: 0 ok"))
        let badOption = try release.run(["ping", "--jsno"])
        #expect(badOption.status == 2)
        #expect(badOption.stderr.contains("unknown option '--jsno'; did you mean '--json'?"))
    }

    @Test func theLaunchersOwnCommandsPassThrough() throws {
        let release = try TestRelease()
        let version = try release.expectSuccess(["version"])
        #expect(version.hasPrefix("[{abi,1},{fingerprint,\""))
        let check = try release.expectSuccess(["check", release.root + "/lib/lab-1.0.0/lib/libLabPlugin-1.0.0.so"])
        #expect(check.hasPrefix("{ok,[{loaded,lab,\"1.0.0\"}"))
    }

    @Test func theScriptFindsItsReleaseThroughASymlink() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let link = release.root + "/../" + UUID().uuidString
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: release.script)
        defer { try? FileManager.default.removeItem(atPath: link) }
        try release.start()
        let result = try runCommand(link, ["ping"])
        #expect(result.status == 0 && result.stdout == "pong\n", "\(result)")
    }

    @Test func remoteConsoleReadsRequestsLineByLine() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let input = """
            lab {echo, 1}
            % a comment, then an empty line

            lab ! {set, b, 2}
            cast lab {set, c, 3}.
            call lab {get, b}
            lab {get, c}
            ping
            nobody {get, a}
            lab {unclosed
            quit
            lab {echo, never}
            """
        let result = try release.run(["remote_console"], input: input)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "1\nok\nok\n2\n3\npong\n")
        #expect(
            result.stderr
                == "error: no process is registered as 'nobody'\n"
                + "error: not a term: expected ',' or '}' after a tuple element, found end of input; "
                + "the tuple opened at 1:1 is not closed\n"
        )
        let clean = try release.run(["remote_console"], input: "lab {echo, fine}\n")
        #expect(clean.status == 0)
        #expect(clean.stdout == "fine\n")
    }
}
