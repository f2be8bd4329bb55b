//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillPlan
import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// The otp-cases: what OTP 25's `systools:make_relup` made of small upgrades.
struct OTPCaseTests {
    static let cases: [String] =
        (try? FileManager.default.contentsOfDirectory(atPath: Repository.otpCases.path))
        .map { $0.filter { $0.first?.isNumber == true }.sorted() } ?? []

    /// Compiles a case the way its README says OTP did: `make_relup(new/demo, [old/demo], [old/demo], ...)`.
    static func compile(_ name: String) throws -> Result<RelupCompilation, PlanError> {
        let directory = Repository.otpCases.appendingPathComponent(name).path
        let loader = RelupFileLoader(libraryDirectories: ["\(directory)/new/lib", "\(directory)/old/lib"])
        let new = try loader.load(release: "\(directory)/new/demo.rel", withAppups: true)
        let old = BaseRelease(try loader.load(release: "\(directory)/old/demo.rel", withAppups: false))
        var options = RelupCompiler.Options()
        let optionsFile = "\(directory)/relup.opts"
        if FileManager.default.fileExists(atPath: optionsFile) {
            let terms = try TermParser.parseAll(String(contentsOfFile: optionsFile, encoding: .utf8), file: optionsFile)
            options.restartEmulator = terms.contains(.atom("restart_emulator"))
        }
        do {
            return .success(try RelupCompiler(options: options).compile(new, upFrom: [old], downTo: [old]))
        } catch {
            return .failure(error)
        }
    }

    static func expectedTerms(_ name: String, _ file: String) throws -> [Term]? {
        let path = Repository.otpCases.appendingPathComponent(name).appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try TermParser.parseAll(String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    @Test(arguments: cases)
    func relupEqualsOTPs(_ name: String) throws {
        let result = try Self.compile(name)
        if let expected = try Self.expectedTerms(name, "expected.relup") {
            let compilation = try result.get()
            #expect(compilation.relup.term == expected.first)
        } else {
            let expected = try #require(try Self.expectedTerms(name, "expected.error")?.first?.tupleElements)
            let reason = try #require(expected.last?.tupleElements?.first?.atomValue)
            guard case .failure(let error) = result else {
                Issue.record("expected the error \(reason), got a relup")
                return
            }
            #expect(error.code.otpName == reason)
        }
    }

    @Test(arguments: cases)
    func warningsEqualOTPs(_ name: String) throws {
        guard case .success(let compilation) = try Self.compile(name) else { return }
        let path = Repository.otpCases.appendingPathComponent(name).appendingPathComponent("expected.warnings").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let expected = try text.split(separator: "\n").map { line in
            try TermParser.parseOne(String(line.dropFirst("%% warning: ".count)))
        }
        #expect(compilation.warnings.map(\.term) == expected)
    }

    @Test func noRelupErrorNamesTheAppupAndTheVersions() throws {
        guard case .failure(let error) = try Self.compile("20-error-no-appup-entry") else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .noRelup)
        #expect(error.application == "foo")
        #expect(error.version == "1.1")
        #expect(error.file?.hasSuffix("20-error-no-appup-entry/new/lib/foo-1.1/ebin/foo.appup") == true)
        #expect(error.message == "the appup of foo-1.1 has no entry for upgrading from 1.0 (its up entries: \"0.9\")")
    }

    /// Erlang reads the relup we write back to OTP's term (`file:consult` and `=:=`).
    @Test(.requiresErlang) func erlangReadsOurRelupAsOTPs() throws {
        let directory = try TemporaryDirectory()
        var checks: [String] = []
        for name in Self.cases {
            guard case .success(let compilation) = try Self.compile(name),
                try Self.expectedTerms(name, "expected.relup") != nil
            else { continue }
            let ours = directory.url.appendingPathComponent("\(name).relup")
            try RelupFileWriter.write(compilation.relup, to: ours.path)
            let expected = Repository.otpCases.appendingPathComponent(name).appendingPathComponent("expected.relup")
            checks.append("{\"\(name)\", \"\(ours.path)\", \"\(expected.path)\"}")
        }
        #expect(!checks.isEmpty)
        let output = try Erlang.run(
            """
            [begin
                 {ok, [Ours]} = file:consult(O),
                 {ok, [Expected]} = file:consult(E),
                 io:format("~s ~p~n", [N, Ours =:= Expected])
             end || {N, O, E} <- [\(checks.joined(separator: ", "))]]
            """
        )
        let lines = output.split(separator: "\n")
        #expect(lines.count == checks.count)
        for line in lines { #expect(line.hasSuffix(" true"), "\(line)") }
    }
}
