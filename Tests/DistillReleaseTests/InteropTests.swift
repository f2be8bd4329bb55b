//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// What real Erlang/OTP makes of the files we write and of the instructions we accept
/// or refuse.
struct InteropTests {
    /// One sample of every file kind we print, with all its forms.
    static func samples() throws -> [(name: String, text: String, terms: [Term])] {
        let appup = Appup(
            version: "0.2.0",
            upgrades: [
                .init(version: .exact("0.1.0"), instructions: AppupInstructionTests.forms.map(\.instruction)),
                .init(version: .pattern(try VersionPattern("0\\.0\\.[0-9]+")), instructions: []),
            ],
            downgrades: [.init(version: .exact("0.1.0"), instructions: [.update(.supervisor(module: "kv_sup"))])]
        )
        let relup = Relup(
            version: "0.2.0",
            upgrades: [.init(version: "0.1.0", instructions: RelupTests.instructions.map(\.instruction))],
            downgrades: [.init(version: "0.1.0", description: .string("down é"), instructions: [.restartEmulator])]
        )
        let rel = ReleaseSpec(
            name: "kv",
            version: "0.2.0",
            ertsVersion: "6.3.1-1.0.0",
            applications: [
                .init(name: "kernel", version: "8.5.3"), .init(name: "kv", version: "0.2.0", type: .transient),
                .init(name: "kv_web", version: "0.2.0", includedApplications: ["kv_x"]),
                .init(name: "kv_x", version: "0.1.0", type: .unloaded, includedApplications: []),
            ]
        )
        let sysConfig = SysConfig(entries: [
            .application("kv", [.init(key: "port", value: 4040), .init(key: "name", value: .binary("ké"))]),
            .include("releases/0.2.0/extra"),
        ])
        let config = try DistillConfig(parsing: DistillConfigTests.design, file: "rel/config")
        return [
            ("kv.app", ApplicationSpecTests.full.fileContents, [ApplicationSpecTests.full.term]),
            ("kv.rel", rel.fileContents, [rel.term]),
            ("kv.appup", appup.fileContents, [appup.term]),
            ("relup", relup.fileContents, [relup.term]),
            ("RELEASES", RuntimeFilesTests.releases.fileContents, [RuntimeFilesTests.releases.term]),
            ("sys.config", sysConfig.fileContents, [sysConfig.term]),
            ("config", config.fileContents, config.terms),
        ]
    }

    /// Random files of every kind (``RandomModels``), seeds 1 to 10.
    static func randomSamples() -> [(name: String, text: String, terms: [Term])] {
        (1...10 as ClosedRange<UInt64>).flatMap { seed -> [(name: String, text: String, terms: [Term])] in
            var random = RandomModels(seed: seed)
            let (appup, relup, app) = (random.appup(), random.relup(), random.applicationSpec())
            let (rel, sys) = (random.releaseSpec(), random.sysConfig())
            return [
                ("\(seed).appup", appup.fileContents, [appup.term]),
                ("\(seed).relup", relup.fileContents, [relup.term]),
                ("\(seed).app", app.fileContents, [app.term]), ("\(seed).rel", rel.fileContents, [rel.term]),
                ("\(seed).sys.config", sys.fileContents, [sys.term]),
            ]
        }
    }

    @Test(.requiresErlang)
    func erlangConsultsEveryFileWeWriteToTheSameTerms() throws {
        let directory = try TemporaryDirectory()
        let samples = try Self.samples() + Self.randomSamples()
        for sample in samples {
            try sample.text.write(
                to: directory.url.appendingPathComponent(sample.name),
                atomically: true,
                encoding: .utf8
            )
        }
        let output = try Erlang.run(
            """
            io:setopts([{encoding, unicode}]),
            lists:foreach(fun(F) ->
                {ok, Terms} = file:consult(F),
                io:format("~0tp~n", [Terms])
            end, Args)
            """,
            arguments: samples.map { directory.url.appendingPathComponent($0.name).path }
        )
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == samples.count)
        for (sample, line) in zip(samples, lines) {
            let read = try TermParser.parseOne(line, file: sample.name)
            #expect(read == .list(sample.terms), "\(sample.name): erl read \(line)")
        }
    }

    /// The reasons `systools_rc:check_syntax` gives for an instruction it refuses.
    static let syntaxReasons = """
        [bad_instruction, bad_module, bad_code_change, bad_change, bad_mod_type, bad_purge_method, bad_list, \
        bad_args_list, bad_node, bad_application, bad_start_type, bad_func, bad_lib, bad_lib_vsn, bad_timeout, \
        bad_mode]
        """

    /// `accepted` or `rejected` for each instruction, as `systools_rc` checks it.
    func otpVerdicts(_ instructions: [String]) throws -> [String] {
        let output = try Erlang.run(
            """
            Reasons = \(Self.syntaxReasons),
            lists:foreach(fun(I) ->
                V = case catch systools_rc:translate_scripts(up, [[I]], [], []) of
                    {error, systools_rc, R} when is_tuple(R) ->
                        case lists:member(element(1, R), Reasons) of true -> rejected; false -> accepted end;
                    _ -> accepted
                end,
                io:format("~p~n", [V])
            end, [\(instructions.joined(separator: ",\n"))])
            """
        )
        return output.split(separator: "\n").map(String.init)
    }

    @Test(.requiresErlang)
    func otpAcceptsEveryInstructionFormWeAccept() throws {
        let texts = AppupInstructionTests.forms.map(\.text) + RelupTests.instructions.map(\.text)
        #expect(try otpVerdicts(texts) == texts.map { _ in "accepted" })
    }

    /// Instructions OTP's syntax check lets through that we refuse, and why:
    /// `restart` passes `systools_rc`, but `release_handler_1` has no clause to run it.
    static let stricterThanOTP: Set<String> = ["restart"]

    @Test(.requiresErlang)
    func otpRejectsTheInstructionsWeReject() throws {
        let texts = (AppupInstructionTests.rejected.map(\.text) + RelupTests.rejected.map(\.text))
            .filter { !Self.stricterThanOTP.contains($0) && $0 != "{update, m}" }  // only wrong in a relup
        #expect(try otpVerdicts(texts) == texts.map { _ in "rejected" })
        #expect(try otpVerdicts(Array(Self.stricterThanOTP)) == Self.stricterThanOTP.map { _ in "accepted" })
    }

    @Test(.requiresErlang)
    func erlangFindsASyntaxErrorExactlyWhereWeDo() throws {
        let files = CorpusTests.files.filter { CorpusTests.kind(of: $0) != .startErl }
        let output = try Erlang.run(
            """
            lists:foreach(fun(F) ->
                io:format("~p~n", [case file:consult(F) of {ok, _} -> ok; {error, _} -> error end])
            end, Args)
            """,
            arguments: files.map { CorpusTests.directory.appendingPathComponent($0).path }
        )
        let ours = try files.map { name -> String in
            let bytes = try Data(contentsOf: CorpusTests.directory.appendingPathComponent(name))
            let problems = ReleaseFileChecker.check(bytes: bytes, kind: CorpusTests.kind(of: name) ?? .app, file: name)
            return problems.contains { $0.code == .syntax } ? "error" : "ok"
        }
        #expect(output.split(separator: "\n").map(String.init) == ours)
        #expect(ours.filter { $0 == "error" }.count >= 5)
    }
}
