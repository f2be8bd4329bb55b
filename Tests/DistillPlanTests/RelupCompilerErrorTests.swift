//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import Testing

/// One test per error `systools:make_relup` reports, with what ours says about it.
struct RelupCompilerErrorTests {
    /// The error of upgrading foo 1.0 → 1.1 with `script` both ways.
    static func fooError(_ modules: [String], _ script: String, oldModules: [String]? = nil) throws -> PlanError? {
        do {
            _ = try RelupCompilerTests.foo(modules, up: script, down: "[]", oldModules: oldModules)
            return nil
        } catch let error as PlanError {
            return error
        }
    }

    static func releaseError(_ new: ReleaseFiles, _ old: ReleaseFiles) -> PlanError? {
        do {
            _ = try RelupCompiler().compile(new, bases: [old])
            return nil
        } catch {
            return error
        }
    }

    static let old: ReleaseFiles = {
        guard let release = try? Fixtures.release("1", []) else { preconditionFailure("fixture") }
        return release
    }()

    // MARK: - Scripts (systools_rc)

    @Test func moduleWithTwoInstructions() throws {
        let error = try #require(try Self.fooError(["a"], "[{load_module, a}, {update, a}]"))
        #expect(error.code == .muldefModule)
        #expect(error.code.otpName == "muldef_module")
        #expect(error.application == "foo")
        #expect(error.version == "1.1")
        #expect(error.instruction == (try TermParser.parseOne("{update, a}")))
        #expect(
            error.message == """
                module 'a' has two instructions: {load_module,a} in foo-1.1's appup (upgrading from 1.0) and \
                {update,a} in foo-1.1's appup (upgrading from 1.0)
                """
        )
        #expect(error.file == "lib/foo/ebin/foo.appup")
    }

    @Test func dependencyOnModuleWithoutInstruction() throws {
        let error = try #require(try Self.fooError(["a", "b"], "[{load_module, a, [b]}]"))
        #expect(error.code == .undefModule)
        #expect(error.instruction == (try TermParser.parseOne("{load_module, a, [b]}")))
        #expect(
            error.message == """
                {load_module,a,[b]} in foo-1.1's appup (upgrading from 1.0) depends on module 'b', which has no \
                instruction in this upgrade
                """
        )
    }

    @Test func moduleInstructionBeforePointOfNoReturn() throws {
        let error = try #require(try Self.fooError(["a"], "[{load_module, a}, point_of_no_return]"))
        #expect(error.code == .badOpBeforePointOfNoReturn)
        #expect(
            error.message == """
                {load_module,a} in foo-1.1's appup (upgrading from 1.0) comes before point_of_no_return, where only \
                load_object_code and apply may be
                """
        )
    }

    @Test func twoPointsOfNoReturn() throws {
        let error = try #require(try Self.fooError(["a"], "[point_of_no_return, {load_module, a}, point_of_no_return]"))
        #expect(error.code == .tooManyPointOfNoReturn)
    }

    @Test func loadWithoutObjectCode() throws {
        let error = try #require(try Self.fooError(["a"], "[{load, {a, brutal_purge, brutal_purge}}]"))
        #expect(error.code == .noObjectCode)
    }

    @Test func suspendWithoutResume() throws {
        let error = try #require(try Self.fooError(["a"], "[{suspend, [a, {b, 100}]}, {resume, [a]}]"))
        #expect(error.code == .suspendedNotResumed)
        #expect(error.message.hasPrefix("'b' suspended but never resumed"))
    }

    @Test func resumeWithoutSuspend() throws {
        let error = try #require(try Self.fooError(["a"], "[{resume, [a]}]"))
        #expect(error.code == .resumedNotSuspended)
    }

    @Test func startWithoutStop() throws {
        #expect(try Self.fooError(["a"], "[{start, [a]}]")?.code == .startNotStop)
    }

    @Test func stopWithoutStart() throws {
        #expect(try Self.fooError(["a"], "[{stop, [a]}]")?.code == .stopNotStart)
    }

    @Test func codeChangeOfUnsuspendedModuleIsAcceptedAsOTPAccepts() throws {
        // OTP's check matches no valid code_change instruction, so it never fires.
        #expect(try Self.fooError(["a"], "[{code_change, up, [{a, x}]}]") == nil)
    }

    @Test func loadOfModuleNoApplicationHas() throws {
        let error = try #require(try Self.fooError(["a"], "[{load_module, ghost}]"))
        #expect(error.code == .noSuchModule)
        #expect(
            error.message == """
                {load_module,ghost} in foo-1.1's appup (upgrading from 1.0) loads module 'ghost', which no \
                application of release demo-2 lists in its modules
                """
        )
    }

    @Test func objectCodeOfTwoVersions() throws {
        let error = try #require(
            try Self.fooError(
                ["a"],
                "[{load_object_code, {foo, \"1.0\", [a]}}, point_of_no_return, {load_module, a}]"
            )
        )
        #expect(error.code == .conflictingVersions)
        #expect(error.message == "load_object_code reads two versions of 'foo', 1.0 and 1.1")
    }

    @Test func addingAnApplicationTheReleaseDoesNotHave() throws {
        let error = try #require(try Self.fooError(["a"], "[{add_application, ghost}]"))
        #expect(error.code == .noSuchApplication)
    }

    @Test func removingAnApplicationTheReleaseStillHas() throws {
        let error = try #require(try Self.fooError(["a"], "[{remove_application, foo}]"))
        #expect(error.code == .removedApplicationPresent)
        #expect(
            error.message == """
                {remove_application,foo} in foo-1.1's appup (upgrading from 1.0) removes 'foo', \
                but release demo-2 has it
                """
        )
    }

    // MARK: - Appups (systools_relup)

    @Test func changedApplicationWithoutAppup() throws {
        let new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: ["a"])])
        let old = try Fixtures.release("1", [Fixtures.app("foo", "1.0", modules: ["a"])])
        let error = try #require(Self.releaseError(new, old))
        #expect(error.code == .missingAppup)
        #expect(error.code.otpName == "file_problem")
        #expect(error.message == "'foo' changes from 1.0 to 1.1 but has no appup (foo.appup next to foo.app)")
    }

    @Test func unreadableAppupIsAnErrorOnlyWhenNeeded() throws {
        let problem = ReleaseFileError(code: .syntax, message: "unterminated list", file: "foo.appup", location: nil)
        var new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: ["a"])])
        new.appups["foo"] = AppupFile(path: "foo.appup", contents: .failure(problem))
        let changed = try Fixtures.release("1", [Fixtures.app("foo", "1.0", modules: ["a"])])
        let error = try #require(Self.releaseError(new, changed))
        #expect(error.code == .unreadableAppup)
        #expect(error.underlying == problem)
        let same = try Fixtures.release("1", [Fixtures.app("foo", "1.1", modules: ["a"])])
        #expect(Self.releaseError(new, same) == nil)
    }

    @Test func warningsAsErrors() throws {
        let new = try Fixtures.release("2", erts: "13.1.5", [])
        let old = try Fixtures.release("1", erts: "13.1.4", [])
        #expect(throws: PlanError.self) {
            _ = try RelupCompiler(options: .init(warningsAsErrors: true)).compile(new, bases: [old])
        }
    }

    // MARK: - Releases (systools_make)

    @Test func releaseWithoutKernel() throws {
        let new = try Fixtures.release("2", [], mandatory: Array(Fixtures.mandatory.dropFirst()))
        let error = try #require(Self.releaseError(new, Self.old))
        #expect(error.code == .missingMandatoryApplication)
        #expect(error.message == "release demo-2 has no 'kernel': every release needs it")
        #expect(error.file == "rel-2/demo.rel")
    }

    @Test func stdlibThatIsNotPermanent() throws {
        let new = try Fixtures.release("2", [], types: ["stdlib": .load])
        #expect(Self.releaseError(new, Self.old)?.code == .mandatoryApplicationType)
    }

    @Test func releaseWithoutSasl() throws {
        let new = try Fixtures.release("2", [], mandatory: Array(Fixtures.mandatory.prefix(2)))
        #expect(Self.releaseError(new, Self.old)?.code == .missingSasl)
        #expect(Self.releaseError(Self.old, new)?.code == .missingSasl)
    }

    @Test func applicationWithoutItsAppFile() throws {
        var new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: ["a"])])
        new.applications.removeLast()
        let error = try #require(Self.releaseError(new, Self.old))
        #expect(error.code == .missingApplication)
        #expect(error.code.otpName == "error_reading")
    }

    @Test func appFileOfAnotherVersion() throws {
        var new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: ["a"])])
        new.applications[new.applications.count - 1].version = "1.0"
        let error = try #require(Self.releaseError(new, Self.old))
        #expect(error.code == .applicationMismatch)
        #expect(error.message == "release demo-2 wants 'foo' version 1.1, but its .app has version 1.0")
    }

    @Test func includingWhatTheAppFileDoesNotInclude() throws {
        var new = try Fixtures.release(
            "2",
            [Fixtures.app("foo", "1.1", modules: ["a"]), Fixtures.app("bar", "1", modules: ["b"])]
        )
        new.release.applications[3].includedApplications = ["bar"]
        #expect(Self.releaseError(new, Self.old)?.code == .overrideInclude)
    }

    @Test func usingAnApplicationTheReleaseLacks() throws {
        let new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: ["a"], uses: ["kernel", "bar"])])
        let error = try #require(Self.releaseError(new, Self.old))
        #expect(error.code == .undefinedApplications)
        #expect(error.message == "release demo-2 does not include 'bar' (needed by 'foo')")
    }

    @Test func optionalApplicationMayBeMissing() throws {
        let new = try Fixtures.release(
            "2",
            [Fixtures.app("foo", "1.1", modules: ["a"], uses: ["kernel", "bar"], optional: ["bar"])]
        )
        #expect(Self.releaseError(new, Self.old) == nil)
    }

    @Test func nameRegisteredTwice() throws {
        let new = try Fixtures.release(
            "2",
            [
                Fixtures.app("foo", "1", modules: ["a"], registered: ["srv"]),
                Fixtures.app("bar", "1", modules: ["b"], registered: ["srv"]),
            ]
        )
        #expect(Self.releaseError(new, Self.old)?.code == .duplicateRegister)
    }

    @Test func applicationIncludedTwice() throws {
        let new = try Fixtures.release(
            "2",
            [
                Fixtures.app("foo", "1", modules: ["a"], included: ["baz"]),
                Fixtures.app("bar", "1", modules: ["b"], included: ["baz"]),
                Fixtures.app("baz", "1", modules: ["c"]),
            ]
        )
        #expect(Self.releaseError(new, Self.old)?.code == .duplicateInclude)
    }

    @Test func moduleInTwoApplications() throws {
        let new = try Fixtures.release(
            "2",
            [
                Fixtures.app("foo", "1", modules: ["a", "shared"]), Fixtures.app("bar", "1", modules: ["shared"]),
            ]
        )
        let error = try #require(Self.releaseError(new, Self.old))
        #expect(error.code == .duplicateModules)
        #expect(error.message == "module 'shared' is in two places: both 'foo' and 'bar' list it")
    }

    @Test func applicationsThatNeedEachOther() throws {
        let new = try Fixtures.release(
            "2",
            [
                Fixtures.app("foo", "1", modules: ["a"], uses: ["kernel", "bar"]),
                Fixtures.app("bar", "1", modules: ["b"], uses: ["kernel", "foo"]),
            ]
        )
        let error = try #require(Self.releaseError(new, Self.old))
        #expect(error.code == .circularDependencies)
    }
}
