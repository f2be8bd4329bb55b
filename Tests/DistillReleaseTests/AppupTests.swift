//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

struct AppupTests {
    static let source = """
        {"1.2.0",
         [{"1.1.0", [{load_module, kv_lib}]},
          {<<"1\\\\.0\\\\.[0-9]+">>, [{update, kv_server, {advanced, from_1_0}}, {apply, {kv_migrate, up, []}}]}],
         [{"1.1.0", [{load_module, kv_lib}]},
          {<<"1\\\\.0\\\\..*">>, [{update, kv_server, {advanced, to_1_0}}]}]}.
        """

    @Test func readsEntriesWithStringAndPatternVersions() throws {
        let appup = try Appup(parsing: Self.source, file: "kv.appup")
        #expect(appup.version == "1.2.0")
        #expect(appup.upgrades.map(\.version) == [.exact("1.1.0"), .pattern(try VersionPattern("1\\.0\\.[0-9]+"))])
        #expect(appup.upgradeInstructions(from: "1.1.0") == [.loadModule(.module("kv_lib"))])
        #expect(appup.upgradeInstructions(from: "1.0.7")?.count == 2)
        #expect(appup.upgradeInstructions(from: "1.0.x") == nil)
        #expect(
            appup.downgradeInstructions(to: "1.0.x") == [.update(.change(module: "kv_server", .advanced("to_1_0")))]
        )
        #expect(appup.upgradeInstructions(from: "0.9.0") == nil)
    }

    @Test func roundTripsThroughItsText() throws {
        let appup = try Appup(parsing: Self.source, file: "kv.appup")
        #expect(try TermParser.parseAll(Self.source, file: "kv.appup") == [appup.term])
        #expect(try Appup(parsing: appup.fileContents, file: "kv.appup") == appup)
    }

    @Test func firstMatchingEntryWins() throws {
        let appup = Appup(
            version: "2",
            upgrades: [
                .init(version: .pattern(try VersionPattern("1\\..*")), instructions: [.lowLevel(.restartEmulator)]),
                .init(version: .exact("1.5"), instructions: []),
            ],
            downgrades: []
        )
        #expect(appup.upgradeInstructions(from: "1.5") == [.lowLevel(.restartEmulator)])
    }

    /// Pattern, version, whether OTP's `systools_relup` takes the entry.
    static let matches: [(pattern: String, version: String, matches: Bool)] = [
        ("0\\.1\\.[0-9]+", "0.1.12", true),
        ("0\\.1\\.[0-9]+", "0.1.", false),
        ("0\\.1\\.[0-9]+", "10.1.1", false),  // a match inside is not the whole version
        ("0\\.1\\.[0-9]+", "0.1.1-rc1", false),
        ("1\\.0", "1x0", false),
        ("1.0", "1x0", true),  // an unescaped dot matches anything
        ("1|10", "10", false),  // PCRE takes the first alternative that matches
        ("10|1", "10", true),
        ("1\\.[0-9]+(\\.[0-9]+)?", "1.2", true),
        ("1\\.[0-9]+(\\.[0-9]+)?", "1.2.3", true),
        ("1\\.\\d+", "1.42", true),
        ("1\\.\\d+", "1.٤٢", false),  // \d is ASCII, as in PCRE without ucp
        ("^2\\..*$", "2.0.1", true),
        ("(?i)v1\\.0", "V1.0", true),
        ("[0-9]+\\.[0-9]+\\.[0-9]+", "3.14.159", true),
        ("0\\.[0-4]\\..*", "0.5.0", false),
        ("é\\.1", "é.1", true),
        (".*", "", true),
        ("a*?", "aa", false),  // lazy: the first match is empty
    ]

    @Test(arguments: matches)
    func matchesWholeVersionsLikeOTP(pattern: String, version: String, matches: Bool) throws {
        #expect(try VersionPattern(pattern).matches(version) == matches)
    }

    @Test(.requiresErlang)
    func patternMatchingAgreesWithErlangRe() throws {
        // The same test systools_relup applies: the first match, as a list, equals the version.
        let cases = Self.matches.map { "{<<\"\(escape($0.pattern))\"/utf8>>, \"\(escape($0.version))\"}" }
        let output = try Erlang.run(
            """
            Cases = [\(cases.joined(separator: ", "))],
            lists:foreach(fun({P, V}) ->
                R = case re:run(V, P, [unicode, {capture, first, list}]) of {match, [V]} -> true; _ -> false end,
                io:format("~p~n", [R])
            end, Cases)
            """
        )
        #expect(output.split(separator: "\n").map { $0 == "true" } == Self.matches.map(\.matches))
    }

    static let rejectedPatterns: [(pattern: String, message: String)] = [
        ("1\\.(0", "expected ')'"),
        ("[0-9", "expected ']'"),
        ("(?<=1)\\.0", "lookbehind is not currently supported"),
        ("1**", "quantifier '*' must appear after expression"),
    ]

    @Test(arguments: rejectedPatterns)
    func rejectsInvalidPatternsWhenRead(pattern: String, message: String) throws {
        let source = "{\"2\", [{<<\"\(escape(pattern))\">>, []}], []}."
        #expect(
            problems(source, kind: .appup, file: "a.appup") == [
                "a.appup:1:9: error: invalid version pattern <<\"\(escape(pattern))\">>: \(message)"
            ]
        )
    }

    @Test func rejectsNonStringVersions() {
        #expect(
            problems("{2, [], []}.", kind: .appup, file: "a.appup") == [
                "a.appup:1:2: error: the version of an appup must be a string, found 2"
            ]
        )
        #expect(
            problems("{\"2\", [{'1.0', []}], []}.", kind: .appup, file: "a.appup") == [
                "a.appup:1:9: error: a version in an appup must be a string or a binary holding a regular "
                    + "expression, found '1.0'"
            ]
        )
    }

    @Test func reportsEveryBadInstruction() {
        let source = """
            {"2",
             [{"1", [{load_modul, a},
                     {update, b, soft, brutal_purge, []},
                     {load_module, c}]}],
             [{"1", [{delete_module, d, e}]}]}.
            """
        #expect(
            problems(source, kind: .appup, file: "a.appup") == [
                "a.appup:2:10: error: unknown appup instruction {load_modul, a}; did you mean 'load_module'?",
                "a.appup:3:10: error: wrong number of elements in {update, b, soft, brutal_purge, []}; update is "
                    + "written "
                    + "{update, Mod}, {update, Mod, supervisor | Change | DepMods}, {update, Mod, Change, DepMods}, "
                    + "{update, Mod, Change, PrePurge, PostPurge, DepMods}, {update, Mod, Timeout, Change, PrePurge, "
                    + "PostPurge, DepMods} or {update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}",
                "a.appup:5:29: error: the dependencies of d must be a list, found e",
            ]
        )
    }
}

/// `text` escaped for an Erlang string or binary literal.
func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}
