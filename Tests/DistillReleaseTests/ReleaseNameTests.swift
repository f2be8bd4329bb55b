//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

/// Names and versions that a release pastes into paths are data: every reader of `.rel`,
/// `.app`, `RELEASES` and `start_erl.data` refuses one that could name another directory.
struct ReleaseNameTests {
    static let unsafe: [(value: String, reason: String)] = [
        ("0.1.0/../../../VICTIM", "it contains '/'"),
        ("..", "it starts with '.'"),
        (".hidden", "it starts with '.'"),
        ("1..2", "it contains '..'"),
        ("", "it is empty"),
        ("1.0 beta", "it contains whitespace"),
        ("1.0\u{A0}beta", "it contains whitespace"),
        ("1.0\tbeta", "it contains a control character"),
        ("1.0\u{1B}[2J", "it contains a control character"),
        ("1.0\u{0}x", "it contains a NUL character"),
        (String(repeating: "9", count: 256), "it is longer than 255 bytes"),
    ]

    @Test(arguments: unsafe.map(\.value))
    func unsafeValuesAreNamed(_ value: String) {
        let reason = Self.unsafe.first { $0.value == value }?.reason
        #expect(ReleaseName.problem(in: value) == reason)
    }

    @Test(arguments: ["kv", "0.1.0", "6.3.1-1.0.0", "1.2.3-rc.1+build.5", "kv_server", "café", "Elixir.KV", "a@b"])
    func ordinaryNamesAndVersionsAreSafe(_ value: String) {
        #expect(ReleaseName.problem(in: value) == nil)
    }

    static let rejected: [(kind: ReleaseFileKind, file: String, source: String, error: String)] = [
        (
            .rel, "kv.rel",
            #"{release, {"kv", "0.2.0"}, {erts, "6.3.1"}, [{kv, "0.1.0/../../../VICTIM"}]}."#,
            #"kv.rel:1:51: error: the version of application 'kv' "0.1.0/../../../VICTIM" cannot name a "#
                + "directory: it contains '/'"
        ),
        (
            .rel, "kv.rel",
            #"{release, {"kv", "0.2.0"}, {erts, "6.3.1-XXXX/../../VICTIM"}, [{kv, "0.2.0"}]}."#,
            #"kv.rel:1:35: error: the erts version "6.3.1-XXXX/../../VICTIM" cannot name a directory: "#
                + "it contains '/'"
        ),
        (
            .rel, "kv.rel",
            #"{release, {"kv", ".."}, {erts, "6.3.1"}, [{kv, "0.2.0"}]}."#,
            #"kv.rel:1:18: error: the release version ".." cannot name a directory: it starts with '.'"#
        ),
        (
            .rel, "kv.rel",
            #"{release, {"../kv", "0.2.0"}, {erts, "6.3.1"}, [{kv, "0.2.0"}]}."#,
            #"kv.rel:1:12: error: the release name "../kv" cannot name a directory: it contains '/'"#
        ),
        (
            .rel, "kv.rel",
            #"{release, {"kv", "0.2.0"}, {erts, "6.3.1"}, [{'../../x', "0.2.0"}]}."#,
            #"kv.rel:1:47: error: an application name "../../x" cannot name a directory: it contains '/'"#
        ),
        (
            .app, "kv.app",
            #"{application, kv, [{description, ""}, {vsn, "0.1.0/../x"}, {modules, []}, {registered, []}, "#
                + "{applications, []}]}.",
            #"kv.app:1:45: error: the version of application 'kv' "0.1.0/../x" cannot name a directory: "#
                + "it contains '/'"
        ),
        (
            .app, "kv.app",
            #"{application, 'k v', [{description, ""}, {vsn, "1"}, {modules, []}, {registered, []}, "#
                + "{applications, []}]}.",
            #"kv.app:1:15: error: the application name "k v" cannot name a directory: it contains whitespace"#
        ),
        (
            .releases, "RELEASES",
            #"[{release, "kv", "0.1.0", "6.3.1", [{kv, "0.1.0", "lib/kv-0.1.0"}], permanent}, "#
                + #"{release, "kv", "0.2.0", "6.3.1", [{kv, "0.1.0/../../../VICTIM", "lib/kv-0.1.0"}], old}]."#,
            #"RELEASES:1:121: error: the version of application 'kv' "0.1.0/../../../VICTIM" cannot name a "#
                + "directory: it contains '/'"
        ),
        (
            .releases, "RELEASES",
            #"[{release, "kv", "0.2.0", "../../x", [], old}]."#,
            #"RELEASES:1:27: error: the erts version "../../x" cannot name a directory: it contains '/'"#
        ),
        (
            .releases, "RELEASES",
            #"[{release, "kv", "0.2.0", "6.3.1", [{kv, "0.2.0", "/srv/VICTIM"}], old}]."#,
            #"RELEASES:1:51: error: the directory of application 'kv' "/srv/VICTIM" is not allowed: "#
                + "it is absolute; it must be lib/NAME-VSN inside the release"
        ),
        (
            .releases, "RELEASES",
            #"[{release, "kv", "0.2.0", "6.3.1", [{kv, "0.2.0", "lib/../../VICTIM"}], old}]."#,
            #"RELEASES:1:51: error: the directory of application 'kv' "lib/../../VICTIM" is not allowed: "#
                + "it must be lib/NAME-VSN inside the release"
        ),
        (
            .releases, "RELEASES",
            #"[{release, "kv", "0.2.0", "6.3.1", [{kv, "0.2.0", "lib/.."}], old}]."#,
            #"RELEASES:1:51: error: the directory of application 'kv' "lib/.." is not allowed: "#
                + "it starts with '.'"
        ),
        (
            .releases, "RELEASES",
            #"[{release, "kv", "0.2.0", "6.3.1", [{kv, "0.2.0", "releases/0.2.0"}], old}]."#,
            #"RELEASES:1:51: error: the directory of application 'kv' "releases/0.2.0" is not allowed: "#
                + "it must be lib/NAME-VSN inside the release"
        ),
        (
            .startErl, "start_erl.data",
            "6.3.1-XXXX/../../VICTIM 0.1.0",
            #"start_erl.data:1:1: error: the erts version "6.3.1-XXXX/../../VICTIM" cannot name a directory: "#
                + "it contains '/'"
        ),
        (
            .startErl, "start_erl.data",
            "6.3.1 ../0.2.0\n",
            #"start_erl.data:1:7: error: the release version "../0.2.0" cannot name a directory: "#
                + "it contains '/'"
        ),
        (
            .startErl, "start_erl.data",
            "6.3.1 0.2.0\u{1B}[2J",
            #"start_erl.data:1:7: error: the release version "0.2.0\u{1b}[2J" cannot name a directory: "#
                + "it contains a control character"
        ),
    ]

    @Test(arguments: rejected.indices)
    func readersRefuseUnsafeNames(_ index: Int) {
        let test = Self.rejected[index]
        #expect(problems(test.source, kind: test.kind, file: test.file) == [test.error])
    }

    @Test func theErrorIsTyped() {
        let error = thrown { () throws(ReleaseFileError) in
            try ReleaseSpec(
                parsing: #"{release, {"kv", "0.2.0"}, {erts, "6.3.1"}, [{kv, "0.1.0/../../../VICTIM"}]}."#,
                file: "releases/0.2.0/kv.rel"
            )
        }
        #expect(error?.code == .unsafeName)
        #expect(error?.file == "releases/0.2.0/kv.rel")
        #expect(error?.location?.line == 1)
        #expect(error?.location?.column == 51)
        #expect(error?.entry == .string("0.1.0/../../../VICTIM"))
    }
}
