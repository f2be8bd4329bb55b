//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

struct ReleaseSpecTests {
    static let source = """
        {release, {"kv", "0.2.0"}, {erts, "6.3.1-1.0.0"},
         [{kernel, "8.5.3"},
          {kv, "0.2.0", transient},
          {kv_web, "0.2.0", [kv_extra]},
          {kv_extra, "0.1.0", load, []},
          {tools, "1.0", none}]}.
        """

    @Test func readsAllFourApplicationForms() throws {
        let spec = try ReleaseSpec(parsing: Self.source, file: "kv.rel")
        #expect(spec.name == "kv" && spec.version == "0.2.0" && spec.ertsVersion == "6.3.1-1.0.0")
        #expect(
            spec.applications == [
                .init(name: "kernel", version: "8.5.3"),
                .init(name: "kv", version: "0.2.0", type: .transient),
                .init(name: "kv_web", version: "0.2.0", includedApplications: ["kv_extra"]),
                .init(name: "kv_extra", version: "0.1.0", type: .load, includedApplications: []),
                .init(name: "tools", version: "1.0", type: .unloaded),
            ]
        )
        #expect(spec.application(named: "kernel")?.effectiveType == .permanent)
        #expect(spec.application(named: "tools")?.effectiveType == .unloaded)
    }

    @Test func writesTheFormsBackAsWritten() throws {
        let spec = try ReleaseSpec(parsing: Self.source, file: "kv.rel")
        #expect(try TermParser.parseAll(Self.source, file: "kv.rel") == [spec.term])
        #expect(try ReleaseSpec(parsing: spec.fileContents, file: "kv.rel") == spec)
    }

    static let rejected: [(source: String, errors: [String])] = [
        (
            "{release, {kv, \"1\"}, {erts, \"1\"}, []}.",
            ["kv.rel:1:12: error: the release name must be a string, found kv"]
        ),
        (
            "{release, {\"kv\", \"1\"}, {erts, 1}, []}.",
            ["kv.rel:1:31: error: the erts version must be a string, found 1"]
        ),
        (
            "{release, {\"kv\", \"1\"}, {runtime, \"1\"}, []}.",
            ["kv.rel:1:24: error: the runtime version must be {erts, ErtsVsn}, found {runtime, \"1\"}"]
        ),
        (
            "{release, {\"kv\", \"1\"}, {erts, \"1\"}, [{kv, 1}, {kv2, \"1\", forever}, {kv3}, {kv, \"2\"}]}.",
            [
                "kv.rel:1:43: error: the version of application 'kv' must be a string, found 1",
                "kv.rel:1:58: error: the start type of 'kv2' must be permanent, transient, temporary, load or none, "
                    + "found forever",
                "kv.rel:1:68: error: an application of a release must be {App, Vsn}, {App, Vsn, Type}, {App, Vsn, "
                    + "IncApps} or {App, Vsn, Type, IncApps}, found {kv3}",
            ]
        ),
        (
            "{release, {\"kv\", \"1\"}, {erts, \"1\"}, [{kv, \"1\"}, {kv, \"2\"}]}.",
            ["kv.rel:1:49: error: duplicate application 'kv' (first given at 1:38)"]
        ),
    ]

    @Test(arguments: rejected)
    func reportsWhatIsWrongAndWhere(source: String, errors: [String]) {
        #expect(problems(source, kind: .rel, file: "kv.rel") == errors)
    }
}
