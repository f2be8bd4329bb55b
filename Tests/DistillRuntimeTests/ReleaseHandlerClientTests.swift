//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

@testable import DistillRuntime

struct ReleaseHandlerClientTests {
    @Test func upgradeOptionsBecomeTheRequestsOptions() throws {
        let request = try #require(
            try ReleaseHandlerClient.request(
                "upgrade",
                ["0.2.0", "--health", "bin/kv ping", "--soak", "30", "--no-permanent"],
                environment: ["PORT": "4000"]
            )
        )
        #expect(
            request.arguments == [
                .binary("0.2.0"),
                .list([
                    .tuple(["health", .binary("bin/kv ping")]), .tuple(["soak", .float(30)]),
                    .tuple(["permanent", "false"]), .tuple(["env", [.tuple([.binary("PORT"), .binary("4000")])]]),
                ]),
            ]
        )
        #expect(request.timeout == 630_000)
    }

    @Test func theTimeLimitIsAnOptionOfInstallUpgradeAndDowngrade() throws {
        for command in ["install", "upgrade", "downgrade"] {
            let request = try #require(
                try ReleaseHandlerClient.request(command, ["0.2.0", "--time-limit", "2500"], environment: [:])
            )
            #expect(
                request.arguments == [.binary("0.2.0"), .list([.tuple(["time_limit", 2500]), .tuple(["env", []])])]
            )
            #expect(request.timeout == 602_500)
        }
        let forever = try #require(
            try ReleaseHandlerClient.request("install", ["0.2.0", "--time-limit", "infinity"], environment: [:])
        )
        #expect(forever.arguments[1] == .list([.tuple(["time_limit", "infinity"]), .tuple(["env", []])]))
        for value in ["0", "-5", "soon", "4294967296"] {
            do {
                _ = try ReleaseHandlerClient.request("install", ["0.2.0", "--time-limit", value], environment: [:])
                Issue.record("expected a usage error for \(value)")
            } catch {
                #expect(error.status == .usage)
                #expect(
                    error.message == "--time-limit takes milliseconds (1 to 4294967295) or infinity, not '\(value)'"
                )
            }
        }
    }

    @Test func commandsWithoutOptionsSendTheVersionAlone() throws {
        let request = try #require(try ReleaseHandlerClient.request("unpack", ["0.2.0"], environment: ["X": "1"]))
        #expect(request.arguments == [.binary("0.2.0")])
        #expect(try ReleaseHandlerClient.request("ping", [], environment: [:]) == nil)
    }

    @Test(arguments: [
        (
            ["0.2.0", "--soak"],
            "--soak needs a value; usage: upgrade VSN [--health CMD] [--soak SECONDS] [--no-permanent] [--time-limit MS]"
        ),
        (["0.2.0", "--soak", "soon"], "--soak takes a number of seconds, not 'soon'"),
        (
            ["0.2.0", "0.3.0"],
            "unexpected '0.3.0'; usage: upgrade VSN [--health CMD] [--soak SECONDS] [--no-permanent] [--time-limit MS]"
        ),
        ([], "usage: upgrade VSN [--health CMD] [--soak SECONDS] [--no-permanent] [--time-limit MS]"),
    ])
    func badArgumentsAreUsageErrors(arguments: [String], message: String) {
        do {
            _ = try ReleaseHandlerClient.request("upgrade", arguments, environment: [:])
            Issue.record("expected a usage error")
        } catch {
            #expect(error.status == .usage)
            #expect(error.message == message)
        }
    }

    @Test func repliesPrintTheirMessage() {
        #expect(
            ReleaseHandlerClient.render(.map(["message": .binary("made 0.2.0 permanent")])) == "made 0.2.0 permanent"
        )
        #expect(ReleaseHandlerClient.render(.atom("pong")) == "pong")
    }

    @Test func theUpgradeOptionsOfARequestAreRead() throws {
        let continuation = try #require(
            try Continuation(
                environment: [
                    "DISTILL_UPGRADE_CONTINUE":
                        TermPrinter.printCompact(
                            Continuation(
                                command: .upgrade(UpgradeOptions(health: "true", soak: 2.5, makePermanent: false)),
                                from: "0.1.0",
                                to: "0.2.0",
                                script: [.pointOfNoReturn, .apply(.init(module: "m", function: "f", arguments: [1]))]
                            ).term
                        )
                ],
                booted: "0.2.0"
            )
        )
        #expect(continuation.from == "0.1.0" && continuation.to == "0.2.0")
        #expect(continuation.script == [.pointOfNoReturn, .apply(.init(module: "m", function: "f", arguments: [1]))])
        guard case .upgrade(let options) = continuation.command else {
            Issue.record("expected an upgrade")
            return
        }
        #expect(options == UpgradeOptions(health: "true", soak: 2.5, makePermanent: false))
    }
}
