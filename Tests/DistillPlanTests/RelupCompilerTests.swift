//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillPlan
import DistillRelease
import DistillTerm
import Testing

/// One test per rule of `systools:make_relup`, on small in-memory releases.
struct RelupCompilerTests {
    /// foo 1.0 → 1.1 with `up` (and `down`, by default the same) as the appup scripts.
    static func foo(
        _ modules: [String],
        up: String,
        down: String? = nil,
        oldModules: [String]? = nil,
        options: RelupCompiler.Options = .init()
    ) throws -> RelupCompilation {
        let appup = "{\"1.1\", [{\"1.0\", \(up)}], [{\"1.0\", \(down ?? up)}]}"
        let new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: modules)], appups: ["foo": appup])
        let old = try Fixtures.release("1", [Fixtures.app("foo", "1.0", modules: oldModules ?? modules)])
        return try RelupCompiler(options: options).compile(new, bases: [old])
    }

    static func expect(_ text: String) throws -> [Term] { try Fixtures.script(text) }

    // MARK: - Expansion of every short form

    static let shortForms: [(written: String, up: String)] = [
        ("{load_module, m}", "[{load,{m,brutal_purge,brutal_purge}}]"),
        ("{load_module, m, []}", "[{load,{m,brutal_purge,brutal_purge}}]"),
        ("{load_module, m, soft_purge, soft_purge, []}", "[{load,{m,soft_purge,soft_purge}}]"),
        ("{add_module, m}", "[{load,{m,brutal_purge,brutal_purge}}]"),
        ("{add_module, m, []}", "[{load,{m,brutal_purge,brutal_purge}}]"),
        ("{update, m}", "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{resume,[m]}]"),
        ("{update, m, soft}", "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{resume,[m]}]"),
        ("{update, m, []}", "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{resume,[m]}]"),
        (
            "{update, m, supervisor}",
            "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{code_change,up,[{m,[]}]},{resume,[m]}]"
        ),
        (
            "{update, m, {advanced, x}}",
            "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{code_change,up,[{m,x}]},{resume,[m]}]"
        ),
        (
            "{update, m, {advanced, x}, []}",
            "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{code_change,up,[{m,x}]},{resume,[m]}]"
        ),
        ("{update, m, soft, []}", "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{resume,[m]}]"),
        (
            "{update, m, soft, soft_purge, brutal_purge, []}",
            "[{suspend,[m]},{load,{m,soft_purge,brutal_purge}},{resume,[m]}]"
        ),
        (
            "{update, m, 3000, soft, brutal_purge, soft_purge, []}",
            "[{suspend,[{m,3000}]},{load,{m,brutal_purge,soft_purge}},{resume,[m]}]"
        ),
        (
            "{update, m, infinity, soft, brutal_purge, brutal_purge, []}",
            "[{suspend,[{m,infinity}]},{load,{m,brutal_purge,brutal_purge}},{resume,[m]}]"
        ),
        (
            "{update, m, static, default, {advanced, e}, brutal_purge, brutal_purge, []}",
            "[{suspend,[m]},{load,{m,brutal_purge,brutal_purge}},{code_change,up,[{m,e}]},{resume,[m]}]"
        ),
    ]

    @Test(arguments: shortForms)
    func expandsShortForm(_ form: (written: String, up: String)) throws {
        let result = try Self.foo(["m"], up: "[\(form.written)]")
        let expected = try Self.expect(
            "[{load_object_code,{foo,\"1.1\",[m]}}, point_of_no_return | \(form.up)]"
        )
        #expect(result.up == expected)
    }

    @Test func deleteModuleRemovesAndPurges() throws {
        let result = try Self.foo(
            ["m"],
            up: "[{delete_module, old}]",
            down: "[{add_module, old}]",
            oldModules: ["m", "old"]
        )
        #expect(
            result.up
                == (try Self.expect("[point_of_no_return,{remove,{old,brutal_purge,brutal_purge}},{purge,[old]}]"))
        )
        #expect(
            result.down
                == (try Self.expect(
                    "[{load_object_code,{foo,\"1.0\",[old]}},point_of_no_return,{load,{old,brutal_purge,brutal_purge}}]"
                ))
        )
    }

    // MARK: - Dependency order

    @Test func upgradeLoadsDependenciesFirstAndDowngradeLast() throws {
        let script = "[{update, a, {advanced, ea}, [b]}, {update, b, {advanced, eb}, [c]}, {load_module, c}]"
        let result = try Self.foo(["a", "b", "c"], up: script)
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[a,b,c]}},point_of_no_return,{suspend,[a,b]},
                     {load,{c,brutal_purge,brutal_purge}},{load,{b,brutal_purge,brutal_purge}},
                     {load,{a,brutal_purge,brutal_purge}},{code_change,up,[{a,ea},{b,eb}]},{resume,[b,a]}]
                    """
                ))
        )
        #expect(
            result.down
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.0",[a,b,c]}},point_of_no_return,{suspend,[a,b]},
                     {code_change,down,[{a,ea},{b,eb}]},{load,{a,brutal_purge,brutal_purge}},
                     {load,{b,brutal_purge,brutal_purge}},{load,{c,brutal_purge,brutal_purge}},{resume,[b,a]}]
                    """
                ))
        )
    }

    @Test func cycleKeepsTheWrittenOrder() throws {
        let result = try Self.foo(
            ["a", "b", "c"],
            up: "[{load_module, b, [a]}, {load_module, c}, {load_module, a, [b]}]"
        )
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[b,a,c]}},point_of_no_return,{load,{a,brutal_purge,brutal_purge}},
                     {load,{b,brutal_purge,brutal_purge}},{load,{c,brutal_purge,brutal_purge}}]
                    """
                ))
        )
    }

    @Test func cycleComesBeforeWhatItDependsOn() throws {
        let result = try Self.foo(
            ["a", "b", "c"],
            up: "[{load_module, c}, {load_module, a, [b]}, {load_module, b, [a, c]}]"
        )
        // Dependency order: the cycle {a, b} (written order a, b), then c; loaded in reverse.
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[a,b,c]}},point_of_no_return,{load,{c,brutal_purge,brutal_purge}},
                     {load,{b,brutal_purge,brutal_purge}},{load,{a,brutal_purge,brutal_purge}}]
                    """
                ))
        )
    }

    @Test func independentModulesFollowTheirFirstWrittenInstruction() throws {
        let result = try Self.foo(
            ["top", "x", "y"],
            up: "[{load_module, y}, {load_module, top, [x, y]}, {load_module, x}]"
        )
        // top first; then y (written before x), then x: loaded in reverse.
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[top,y,x]}},point_of_no_return,{load,{x,brutal_purge,brutal_purge}},
                     {load,{y,brutal_purge,brutal_purge}},{load,{top,brutal_purge,brutal_purge}}]
                    """
                ))
        )
    }

    @Test func eachComponentIsTranslatedWhereItsFirstInstructionIs() throws {
        let result = try Self.foo(
            ["a", "b", "c"],
            up: "[{load_module, a}, {apply, {a, f, []}}, {load_module, b, [c]}, {update, c}]"
        )
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[a,b,c]}},point_of_no_return,{load,{a,brutal_purge,brutal_purge}},
                     {apply,{a,f,[]}},{suspend,[c]},{load,{c,brutal_purge,brutal_purge}},
                     {load,{b,brutal_purge,brutal_purge}},{resume,[c]}]
                    """
                ))
        )
    }

    @Test func supervisorCodeChangesAfterTheLoadOnTheWayDown() throws {
        let result = try Self.foo(["sup", "srv"], up: "[{update, sup, supervisor}, {update, srv, {advanced, x}}]")
        #expect(
            result.down
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.0",[sup,srv]}},point_of_no_return,
                     {suspend,[sup]},{load,{sup,brutal_purge,brutal_purge}},{code_change,down,[{sup,[]}]},
                     {resume,[sup]},
                     {suspend,[srv]},{code_change,down,[{srv,x}]},{load,{srv,brutal_purge,brutal_purge}},{resume,[srv]}]
                    """
                ))
        )
    }

    // MARK: - Object code, point of no return

    @Test func loadObjectCodeIsMergedPerApplicationInSystoolsUnionOrder() throws {
        // Written object code for a, then the generated ones for b and a: the union keeps
        // each module where its last occurrence is.
        let result = try Self.foo(
            ["a", "b"],
            up: "[{load_object_code, {foo, \"1.1\", [a]}}, point_of_no_return, {load_module, b}, {load_module, a}]",
            down: "[]"
        )
        #expect(result.up.first == (try TermParser.parseOne("{load_object_code,{foo,\"1.1\",[b,a]}}")))
    }

    @Test func instructionsBeforePointOfNoReturnStayBefore() throws {
        let result = try Self.foo(
            ["a"],
            up: """
                [{apply, {a, prepare, []}}, point_of_no_return, {load_module, a},
                 {load_object_code, {foo, "1.1", [a]}}]
                """,
            down: "[]"
        )
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[a]}},{apply,{a,prepare,[]}},point_of_no_return,
                     {load,{a,brutal_purge,brutal_purge}}]
                    """
                ))
        )
    }

    @Test func writtenLowLevelInstructionsStayInPlace() throws {
        let result = try Self.foo(
            ["a"],
            up: """
                [{load_object_code, {foo, "1.1", [a]}}, point_of_no_return, {suspend, [{a, 100}]},
                 {load, {a, soft_purge, soft_purge}}, {code_change, up, [{a, x}]}, {resume, [a]},
                 {stop, [a]}, {start, [a]}, {sync_nodes, id, [n@h]}]
                """
        )
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[a]}},point_of_no_return,{suspend,[{a,100}]},
                     {load,{a,soft_purge,soft_purge}},{code_change,up,[{a,x}]},{resume,[a]},{stop,[a]},{start,[a]},
                     {sync_nodes,id,[n@h]}]
                    """
                ))
        )
    }

    @Test func versionOnlyChangeGivesAnEmptyScript() throws {
        let result = try Self.foo(["a"], up: "[]")
        #expect(result.up == [.atom("point_of_no_return")])
        #expect(result.down == [.atom("point_of_no_return")])
    }

    // MARK: - Applications that come, go and restart

    @Test(arguments: [
        (ApplicationType.permanent, "[{apply,{application,start,[bar,permanent]}}]"),
        (.temporary, "[{apply,{application,start,[bar,temporary]}}]"),
        (.load, "[{apply,{application,load,[bar]}}]"),
        (.unloaded, "[]"),
    ])
    func addedApplicationIsLoadedAndStartedByItsType(_ type: ApplicationType, _ start: String) throws {
        let bar = Fixtures.app("bar", "1.0", modules: ["bar_a", "bar_b"])
        let new = try Fixtures.release("2", [bar], types: ["bar": type])
        let old = try Fixtures.release("1", [])
        let result = try RelupCompiler().compile(new, bases: [old])
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{bar,"1.0",[bar_a,bar_b]}},point_of_no_return,
                     {load,{bar_a,brutal_purge,brutal_purge}},
                     {load,{bar_b,brutal_purge,brutal_purge}}]
                    """
                ) + (try Self.expect(start)))
        )
        #expect(
            result.down
                == (try Self.expect(
                    """
                    [point_of_no_return,{apply,{application,stop,[bar]}},{remove,{bar_a,brutal_purge,brutal_purge}},
                     {remove,{bar_b,brutal_purge,brutal_purge}},{purge,[bar_a,bar_b]},
                     {apply,{application,unload,[bar]}}]
                    """
                ))
        )
    }

    @Test func restartApplicationRemovesOldModulesAndAddsNewOnes() throws {
        let result = try Self.foo(["a", "b"], up: "[{restart_application, foo}]", oldModules: ["a", "old"])
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{foo,"1.1",[a,b]}},point_of_no_return,{apply,{application,stop,[foo]}},
                     {remove,{a,brutal_purge,brutal_purge}},{remove,{old,brutal_purge,brutal_purge}},{purge,[a,old]},
                     {load,{a,brutal_purge,brutal_purge}},{load,{b,brutal_purge,brutal_purge}},
                     {apply,{application,start,[foo,permanent]}}]
                    """
                ))
        )
    }

    @Test func scriptsFollowSystoolsApplicationOrder() throws {
        // zed uses abc, so abc's script comes first although the .rel lists zed first.
        let new = try Fixtures.release(
            "2",
            [
                Fixtures.app("zed", "1.1", modules: ["z"], uses: ["kernel", "stdlib", "abc"]),
                Fixtures.app("abc", "1.1", modules: ["a"]),
            ],
            appups: [
                "zed": "{\"1.1\", [{\"1.0\", [{load_module, z}]}], []}",
                "abc": "{\"1.1\", [{\"1.0\", [{load_module, a}]}], []}",
            ]
        )
        let old = try Fixtures.release(
            "1",
            [
                Fixtures.app("zed", "1.0", modules: ["z"], uses: ["kernel", "stdlib", "abc"]),
                Fixtures.app("abc", "1.0", modules: ["a"]),
            ]
        )
        let result = try RelupCompiler().compile(new, upFrom: [BaseRelease(old)], downTo: [])
        #expect(
            result.up
                == (try Self.expect(
                    """
                    [{load_object_code,{abc,"1.1",[a]}},{load_object_code,{zed,"1.1",[z]}},point_of_no_return,
                     {load,{a,brutal_purge,brutal_purge}},{load,{z,brutal_purge,brutal_purge}}]
                    """
                ))
        )
    }

    // MARK: - Releases

    @Test func runtimeChangeRestartsTheNodeFirstUpAndLastDown() throws {
        let new = try Fixtures.release("2", erts: "13.1.5", [])
        let old = try Fixtures.release("1", erts: "13.1.4", [])
        let result = try RelupCompiler().compile(new, bases: [old])
        #expect(result.up == (try Self.expect("[restart_new_emulator, point_of_no_return]")))
        #expect(result.down == (try Self.expect("[point_of_no_return, restart_emulator]")))
        let warning = try TermParser.parseOne("{erts_vsn_changed,{{\"demo\",\"13.1.5\"},{\"demo\",\"13.1.4\"}}}")
        #expect(result.warnings.map(\.term) == [warning, warning])
        #expect(
            result.warnings[0].systoolsText
                == "*WARNING* The ERTS version changed between {\"demo\",\"13.1.5\"} and {\"demo\",\"13.1.4\"}"
        )
    }

    @Test func restartEmulatorOptionEndsEveryScriptWithOneRestart() throws {
        let result = try Self.foo(
            ["a"],
            up: "[restart_emulator, {load_module, a}]",
            options: .init(restartEmulator: true)
        )
        #expect(result.up.last == .atom("restart_emulator"))
        #expect(result.up.filter { $0 == .atom("restart_emulator") }.count == 1)
    }

    @Test func oldSaslRestartsTheEmulatorLast() throws {
        let oldSasl = Fixtures.app("sasl", "2.1", modules: ["sasl_mod"])
        let new = try Fixtures.release("2", erts: "13.1.5", [], appups: ["sasl": "{\"4.2\", [{\"2.1\", []}], []}"])
        let old = try Fixtures.release(
            "1",
            erts: "5.9",
            [],
            mandatory: [Fixtures.mandatory[0], Fixtures.mandatory[1], oldSasl]
        )
        let result = try RelupCompiler().compile(new, upFrom: [BaseRelease(old)], downTo: [])
        #expect(result.up == (try Self.expect("[point_of_no_return, restart_new_emulator]")))
        #expect(result.warnings.map(\.code) == [.preR15EmulatorUpgrade, .ertsVersionChanged])
    }

    @Test func entriesListTheLastBaseReleaseFirstWithTheirDescriptions() throws {
        let new = try Fixtures.release("3", [])
        let one = try Fixtures.release("1", [])
        let two = try Fixtures.release("2", [])
        let result = try RelupCompiler().compile(
            new,
            upFrom: [BaseRelease(one), BaseRelease(two, description: .string("from two"))],
            downTo: [BaseRelease(one)]
        )
        #expect(result.relup.upgrades.map(\.version) == ["2", "1"])
        #expect(result.relup.upgrades.map(\.description) == [.string("from two"), .nil])
        #expect(result.relup.downgrades.map(\.version) == ["1"])
    }

    @Test func regularExpressionMustMatchTheWholeVersion() throws {
        let appup = "{\"1.1\", [{<<\"1|1\\\\.0\">>, [{load_module, a}]}, {<<\"1\\\\.[0-9]+\">>, [{update, a}]}], []}"
        let new = try Fixtures.release("2", [Fixtures.app("foo", "1.1", modules: ["a"])], appups: ["foo": appup])
        let old = try Fixtures.release("1", [Fixtures.app("foo", "1.0", modules: ["a"])])
        let result = try RelupCompiler().compile(new, upFrom: [BaseRelease(old)], downTo: [])
        // <<"1|1\.0">> first matches "1", not all of "1.0"; the second entry applies.
        #expect(result.up.contains(.tuple([.atom("suspend"), .list([.atom("a")])])))
    }

    @Test func appupOfAnotherVersionIsAWarning() throws {
        let new = try Fixtures.release(
            "2",
            [Fixtures.app("foo", "1.1", modules: ["a"])],
            appups: ["foo": "{\"1.0.9\", [{\"1.0\", []}], []}"]
        )
        let old = try Fixtures.release("1", [Fixtures.app("foo", "1.0", modules: ["a"])])
        let result = try RelupCompiler().compile(new, upFrom: [BaseRelease(old)], downTo: [])
        #expect(result.warnings.map(\.term) == [try TermParser.parseOne("{bad_vsn,{\"1.0.9\",\"1.1\"}}")])
        #expect(result.warnings[0].systoolsText == "*WARNING* {bad_vsn,{\"1.0.9\",\"1.1\"}}")
    }

    @Test func unchangedApplicationNeedsNoAppup() throws {
        let foo = Fixtures.app("foo", "1.0", modules: ["a"])
        let result = try RelupCompiler().compile(
            try Fixtures.release("2", [foo]),
            bases: [try Fixtures.release("1", [foo])]
        )
        #expect(result.up == [.atom("point_of_no_return")])
    }
}
