//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTestSupport
import Foundation
import Testing

/// The built `swift-distill check` binary: exit status, messages and `--json`.
struct CheckCommandTests {
    /// `swift-distill` next to the test bundle (`swift build --build-tests` builds both).
    static let executable: String = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return bundle.appendingPathComponent("swift-distill").path
    }()

    /// Runs `swift-distill check ARGUMENTS` in the corpus directory: exit status and output.
    func check(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build swift-distill first")
        do {
            let output = try runProcess(
                Self.executable,
                ["check"] + arguments,
                currentDirectory: CorpusTests.directory,
                timeout: .seconds(60)
            )
            return (0, output)
        } catch let failure as ProcessFailure {
            return (failure.status, failure.output)
        }
    }

    @Test func exitsZeroOnGoodFiles() throws {
        let directory = try TemporaryDirectory()
        let app = directory.url.appendingPathComponent("kv.app")
        try ApplicationSpecTests.full.fileContents.write(to: app, atomically: true, encoding: .utf8)
        let result = try check([app.path])
        #expect(result.status == 0)
        #expect(result.output == "\(app.path): ok (app)\nchecked 1 file: 0 errors, 0 warnings\n")
    }

    @Test func printsEveryErrorLikeACompilerAndExitsOne() throws {
        let result = try check(["several-errors.appup", "typo-key.app", "unknown-option.config"])
        #expect(result.status == 1)
        #expect(
            result.output == """
                several-errors.appup:3:12: error: unknown appup instruction {udpate, b}; did you mean 'update'?
                               {udpate, b},
                               ^
                several-errors.appup:4:33: error: the start type must be permanent, transient, temporary, load or none, found forever
                               {add_application, c, forever},
                                                    ^
                several-errors.appup:5:27: error: the arguments of a function call must be a list, found notalist
                               {apply, {m, f, notalist}}]}],
                                              ^
                several-errors.appup:6:12: error: unknown appup instruction restart; release_handler cannot run 'restart'; did you mean 'restart_emulator'?
                     [{"1.0", [restart]}]}.
                               ^
                typo-key.app:4:3: warning: OTP ignores the .app key 'registerd'; did you mean 'registered'?
                      {registerd, [kv_server]}]}.
                      ^
                unknown-option.config:4:5: error: unknown release option 'overlay'; did you mean 'overlays'?
                        {overlay, [{mkdir, "var"}]}
                        ^
                typo-key.app: ok (app)
                checked 3 files: 5 errors, 1 warning

                """
        )
    }

    @Test func forcesTheKindWithAnOption() throws {
        let result = try check(["--kind", "relup", "relup-unknown.relup", "update-arity.appup"])
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                "update-arity.appup:2:3: error: a relup up entry must be a {Vsn, Descr, [Instruction]} tuple"
            )
        )
    }

    @Test func reportsJSON() throws {
        let result = try check(["--json", "missing-keys.app", "typo-key.app", "nonexistent.rel"])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == false)
        let files = try #require(report["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == ["missing-keys.app", "typo-key.app", "nonexistent.rel"])
        #expect(files.map { $0["kind"] as? String } == ["app", "app", "rel"])
        #expect(files.map { $0["ok"] as? Bool } == [false, true, false])
        let errors = try #require(files[0]["errors"] as? [[String: Any]])
        #expect(errors.count == 4)
        #expect(errors[0]["file"] as? String == "missing-keys.app")
        #expect(errors[0]["line"] as? Int == 1 && errors[0]["column"] as? Int == 19)
        #expect(errors[0]["code"] as? String == "missing_key")
        #expect(errors[0]["message"] as? String == "application 'kv' has no 'description'")
        let warnings = try #require(files[1]["warnings"] as? [[String: Any]])
        #expect(warnings.first?["code"] as? String == "ignored_key")
        let unreadable = try #require((files[2]["errors"] as? [[String: Any]])?.first)
        #expect(unreadable["code"] as? String == "unreadable_file")
        #expect(unreadable["line"] is NSNull)
        #expect(unreadable["message"] as? String == "cannot read 'nonexistent.rel': No such file or directory")
    }

    @Test func refusesAFileOfUnknownKind() throws {
        let result = try check(["notes.txt"])
        #expect(result.status == 1)
        #expect(result.output.hasPrefix("notes.txt: error: cannot tell what kind of file 'notes.txt' is from its name"))
    }
}
