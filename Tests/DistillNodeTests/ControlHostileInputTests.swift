//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// The control socket against a client that means harm (issue 13, item 4): the node never
/// dies, and `ping` (so `stop` and `upgrade`) always gets through.
struct ControlHostileInputTests {
    /// `{rpc, [lab, ` as `term_to_binary` writes it: the term that follows (then `]}`'s
    /// NIL_EXT) is the request to lab.
    static let rpcPrefix: [UInt8] =
        [131, 104, 2, 119, 3] + Array("rpc".utf8) + [108, 0, 0, 0, 2, 119, 3] + Array("lab".utf8)

    /// The frame: 2 MB of NEW_PID_EXT, each the node of the one before. The node
    /// died of a stack overflow; now the frame is refused and the node answers.
    @Test func aFrameOfNestedPidsIsRefusedAndTheNodeAnswers() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        // As the argument of a command that takes large ones, so that the decoder reads it.
        let client = try ControlSocket(release.socket)
        client.send(ControlSocket.frame(Self.rpcPrefix + [UInt8](repeating: 88, count: 2_000_000) + [119, 1, 97, 106]))
        #expect(client.receive() == .closed)
        #expect(
            release.eventually(.seconds(5)) {
                release.log.contains("NEW_PID_EXT (tag 88) needs an atom for its node, found NEW_PID_EXT (tag 88)")
            },
            "\(release.log)"
        )
        // Alone, it is not a request: refused by its size before it is decoded.
        let alone = try ControlSocket(release.socket)
        alone.send(ControlSocket.frame([131] + [UInt8](repeating: 88, count: 2_000_000) + [119, 1, 97]))
        #expect(alone.receive() == .closed)
        #expect(
            release.eventually(.seconds(5)) {
                release.log.contains("a frame of 2000004 bytes that is not a request is over the limit of 65536 bytes")
            }
        )
        #expect(isAlive(pid))
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    /// 100 connections that never send a byte took the 64 slots, and `ping` said "not
    /// running" for as long as they stayed open. Now a new connection takes the slot of the
    /// one idle the longest, and the silent ones are closed after the idle timeout.
    @Test func connectionsThatNeverSendCannotKeepPingOut() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let silent = try (0..<100).map { _ in try ControlSocket(release.socket) }
        Thread.sleep(forTimeInterval: 0.3)
        let started = ContinuousClock.now
        #expect(try release.expectSuccess(["ping"]) == "pong")
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try release.expectSuccess(["versions"]).contains("0.1.0"))
        #expect(release.log.contains("control connection closed to make room: idle the longest"))
        withExtendedLifetime(silent) {}
    }

    @Test func anIdleConnectionIsClosedButAConsoleIsNot() throws {
        let release = try TestRelease(
            sysConfig: "[{distill, [{control_idle_timeout, 300}]}].\n"
        )
        defer { release.stopIfRunning() }
        try release.start()
        let idle = try ControlSocket(release.socket)
        let console = try ControlSocket(release.socket)
        #expect(console.call("console", []) == .reply(.tuple([.atom("ok"), .atom("ok")])))
        // Between requests too: a ping, then silence.
        let pinged = try ControlSocket(release.socket)
        #expect(pinged.call("ping", []) == .reply(.tuple([.atom("ok"), .atom("pong")])))
        Thread.sleep(forTimeInterval: 1.0)
        #expect(idle.receive() == .closed)
        #expect(pinged.receive() == .closed)
        #expect(release.log.contains("control connection closed: idle"))
        #expect(console.call("ping", []) == .reply(.tuple([.atom("ok"), .atom("pong")])))
        // bin/NAME remote_console says `console` first: a pause longer than the timeout
        // between two lines does not lose the connection.
        let script = "ping\n"
        let result = try runCommand(
            "/bin/sh",
            ["-c", "(printf '\(script)'; sleep 1; printf 'ping\\n') | \(release.script) remote_console"]
        )
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "pong\npong\n", "\(result)")
    }

    /// A command that takes no large argument takes a frame of at most 64 KiB: the node
    /// reads the command's name and refuses the rest unread.
    @Test func aLargeFrameIsRefusedForACommandThatTakesNoLargeArgument() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let megabyte = Term.binary([UInt8](repeating: 120, count: 1 << 20))
        let client = try ControlSocket(release.socket)
        client.send(ControlSocket.request("ping", [megabyte]))
        #expect(client.receive() == .closed)
        #expect(
            release.eventually(.seconds(5)) {
                release.log.contains("bytes is over the limit of 65536 bytes for 'ping'")
            },
            "\(release.log)"
        )
        let garbage = try ControlSocket(release.socket)
        garbage.send(ControlSocket.frame([131, 109, 0, 1, 0, 0] + [UInt8](repeating: 0, count: 65536)))
        #expect(garbage.receive() == .closed)
        #expect(
            release.eventually(.seconds(5)) {
                release.log.contains("a frame of 65542 bytes that is not a request is over the limit of 65536 bytes")
            }
        )
        // rpc carries terms: a megabyte goes through.
        let rpc = try ControlSocket(release.socket)
        let reply = rpc.call("rpc", [.atom("lab"), .tuple([.atom("echo"), megabyte])])
        #expect(reply == .reply(.tuple([.atom("ok"), megabyte])))
    }

    /// A 2 MB integer that is not a request: its digits took hours to print into the
    /// `bad_request` reply. It is refused at once by the decoder's integer bound, and a
    /// 4 KiB one (within the bound) is printed in a few bytes.
    @Test(.timeLimit(.minutes(2)))
    func aHugeIntegerIsNeitherDecodedNorPrintedInFull() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        try release.start()
        let length = 2 << 20
        let huge: [UInt8] =
            [131, 111, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
            + [UInt8](repeating: 0xFF, count: length)
        let client = try ControlSocket(release.socket, timeout: .seconds(10))
        client.send(ControlSocket.frame(Self.rpcPrefix + huge.dropFirst() + [106]))
        #expect(client.receive() == .closed)
        #expect(
            release.eventually(.seconds(5)) {
                release.log.contains(
                    "LARGE_BIG_EXT (tag 111) of 2097152 bytes is over the limit of 8192 bytes (65536 bits) for an integer"
                )
            },
            "\(release.log)"
        )
        let wide = try ControlSocket(release.socket, timeout: .seconds(10))
        wide.send(ControlSocket.frame([131, 111, 0, 0, 16, 0, 0] + [UInt8](repeating: 0xFF, count: 4096)))
        #expect(
            wide.receive()
                == .reply(
                    .controlError("bad_request", "a request is {Command, [Argument]}, got <integer of 32768 bits>")
                )
        )
        #expect(try release.expectSuccess(["ping"]) == "pong")
    }

    /// `{soak, 10^16}` passed every check and trapped the node (an Int64 conversion) once
    /// the upgrade ran; numbers are checked with the other arguments, before anything runs.
    @Test func numericOptionsOutOfRangeAreRefusedBeforeAnythingRuns() throws {
        let release = try TestRelease()
        defer { release.stopIfRunning() }
        let pid = try release.start()
        let client = try ControlSocket(release.socket)
        let version = Term.binary(Array("0.2.0".utf8))
        let soaks: [(Term, String)] = [
            (.integer(10_000_000_000_000_000), "10000000000000000"),
            (.integer(-1), "-1"),
            (.float(1e300), "1.0e300"),
            (.atom("forever"), "forever"),
        ]
        for (soak, printed) in soaks {
            let options = Term.list([.tuple([.atom("soak"), soak])])
            #expect(
                client.call("upgrade", [version, options])
                    == .reply(
                        .controlError(
                            "badarg",
                            "upgrade: soak must be a number of seconds from 0 to 4294967.295, got \(printed)"
                        )
                    )
            )
        }
        let timeouts: [Term] = [.integer(1 << 62), .integer(-5), .atom("infinity")]
        for timeout in timeouts {
            let reply = client.call("rpc", [.atom("lab"), .tuple([.atom("echo"), .atom("x")]), timeout])
            #expect(
                reply
                    == .reply(
                        .controlError(
                            "badarg",
                            "rpc: argument 3 must be an integer in 0..4294967295, got \(TermPrinter.printCompact(timeout))"
                        )
                    )
            )
        }
        #expect(isAlive(pid))
        #expect(try release.expectSuccess(["ping"]) == "pong")
        // The client refuses what the node would.
        let result = try release.run(["upgrade", "0.2.0", "--soak", "1e16"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--soak takes at most 4294967.295 seconds, not '1e16'"), "\(result)")
    }
}
