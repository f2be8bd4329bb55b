//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

struct ApplicationSpecTests {
    static let full = ApplicationSpec(
        name: "kv",
        description: "A key-value store",
        id: "KV-1",
        version: "0.2.0",
        modules: ["kv_app", "kv_server", "kv_sup"],
        registered: ["kv_server"],
        applications: ["kernel", "stdlib"],
        includedApplications: ["kv_extra"],
        optionalApplications: ["telemetry"],
        environment: [ConfigParameter(key: "port", value: 4040), ConfigParameter(key: "name", value: .binary("kv"))],
        startModule: .init(module: "kv_app", arguments: .nil),
        startPhases: [.init(name: "init", arguments: .nil), .init(name: "go", arguments: ["fast"])],
        maxTime: .value(60_000),
        maxProcesses: .infinity,
        runtimeDependencies: ["kernel-8.0", "stdlib-4.0"],
        otherProperties: [ConfigParameter(key: "licenses", value: [.string("Apache-2.0")])]
    )

    @Test func roundTripsEveryKey() throws {
        let text = Self.full.fileContents
        #expect(try ApplicationSpec(parsing: text, file: "kv.app") == Self.full)
        #expect(try ApplicationSpec(located: unlocated(Self.full.term), file: "kv.app") == Self.full)
    }

    @Test func writesKeysInOTPsOrder() throws {
        let keys = Self.full.term.tupleElements?[2].listElements?.compactMap { $0.tupleElements?.first?.atomValue }
        #expect(
            keys == [
                "description", "id", "vsn", "modules", "registered", "applications", "included_applications",
                "optional_applications", "env", "mod", "start_phases", "maxT", "maxP", "runtime_dependencies",
                "licenses",
            ]
        )
    }

    @Test func keepsOptionalKeysAbsent() throws {
        let source = """
            {application, foo,
             [{description, "foo"},
              {vsn, "1.1"},
              {modules, [foo_app, foo_lib]},
              {registered, []},
              {applications, [kernel, stdlib]}]}.
            """
        let spec = try ApplicationSpec(parsing: source, file: "foo.app")
        #expect(spec.environment == nil && spec.startModule == nil && spec.includedApplications == nil)
        #expect(try [spec.term] == TermParser.parseAll(source, file: "foo.app"))
    }

    @Test func readsOTPsSpellingsOfAbsence() throws {
        let spec = try ApplicationSpec(
            parsing: """
                {application, a, [{description, ""}, {vsn, "1"}, {modules, []}, {registered, []},
                                  {applications, []}, {mod, []}, {start_phases, undefined}]}.
                """,
            file: "a.app"
        )
        #expect(spec.startModule == nil && spec.startPhases == nil)
    }

    static let rejected: [(source: String, errors: [String])] = [
        (
            "{application, kv, [{description, \"kv\"}, {vsn, 1}, {modules, []}, {registered, []}, {applications, "
                + "[]}]}.",
            ["kv.app:1:47: error: 'vsn' must be a string, found 1"]
        ),
        (
            "{application, kv, [{description, \"kv\"}, {vsn, \"1\"}, {registered, []}]}.",
            [
                "kv.app:1:19: error: application 'kv' has no 'modules'",
                "kv.app:1:19: error: application 'kv' has no 'applications'",
            ]
        ),
        ("{application, \"kv\", []}.", ["kv.app:1:15: error: the application name must be an atom, found \"kv\""]),
        (
            "{app, kv, []}.",
            ["kv.app:1:2: error: the first element of an .app file must be the atom 'application', found app"]
        ),
        (
            "{application, kv}.",
            ["kv.app:1:1: error: an .app file must be {application, Name, [Key-value pairs]}, found {application, kv}"]
        ),
        (
            "{application, kv, [{description, \"kv\"}, {vsn, \"1\"}, {vsn, \"2\"}, {modules, [\"m\"]}, {registered, "
                + "[]}, {applications, []}]}.",
            [
                "kv.app:1:53: error: duplicate .app key 'vsn' (first given at 1:41)",
                "kv.app:1:76: error: a module name in 'modules' must be an atom, found \"m\"",
            ]
        ),
        (
            "{application, kv, [{description, \"kv\"}, {vsn, \"1\"}, {modules, []}, {registered, []}, "
                + "{applications, []}, {maxT, 0}, {mod, kv_app}, {env, [{port}]}]}.",
            [
                "kv.app:1:113: error: 'maxT' must be infinity or an integer greater than 0, found 0",
                "kv.app:1:123: error: 'mod' must be {Module, StartArgs} or [], found kv_app",
                "kv.app:1:139: error: a parameter of 'env' must be a {Key, Value} tuple, found {port}",
            ]
        ),
        (
            "{application, kv, [{description, \"kv\"}, {vsn, \"1\"}, {modules, []}, {registered, []}, {applicatons, "
                + "[kernel]}]}.",
            [
                "kv.app:1:19: error: application 'kv' has no 'applications'",
                "kv.app:1:86: warning: OTP ignores the .app key 'applicatons'; did you mean 'applications'?",
            ]
        ),
        (
            "{application, kv, [{description, \"kv\"}, {vsn, \"1\"}, {modules, []}, {registered, []}, "
                + "{applications, []}]}.\n{application, kv2, []}.",
            ["kv.app:2:1: error: an .app file must hold one term, found 2"]
        ),
    ]

    @Test(arguments: rejected)
    func reportsWhatIsWrongAndWhere(source: String, errors: [String]) {
        #expect(problems(source, kind: .app, file: "kv.app") == errors)
    }

    @Test func keepsUnknownKeysAndWarnsOnlyAboutNearMisses() {
        let source = """
            {application, kv, [{description, "kv"}, {vsn, "1"}, {modules, []}, {registered, []},
                               {applications, []}, {licenses, ["MIT"]}, {desciption, "x"}]}.
            """
        #expect(
            problems(source, kind: .app, file: "kv.app") == [
                "kv.app:2:61: warning: OTP ignores the .app key 'desciption'; did you mean 'description'?"
            ]
        )
    }
}
