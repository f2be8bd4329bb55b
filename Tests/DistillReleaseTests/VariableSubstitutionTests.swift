//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

struct VariableSubstitutionTests {
    static let environment = ["PORT": "4040", "HOST": "db.local", "EMPTY": "", "NODE": "kv@host"]

    func substituted(_ text: String) throws -> Term {
        let node = try located(text, file: "sys.config")
        return try VariableSubstitution.substitute(in: node, environment: Self.environment, file: "sys.config").term
    }

    @Test func replacesInStringsBinariesAndAtoms() throws {
        #expect(
            try substituted(#"[{kv, [{url, "http://${HOST}:${PORT}/"}, {bin, <<"${HOST}">>}, {node, '${NODE}'}]}]"#)
                == (try term(#"[{kv, [{url, "http://db.local:4040/"}, {bin, <<"db.local">>}, {node, 'kv@host'}]}]"#))
        )
    }

    @Test func reachesMapKeysImproperTailsAndDeepTerms() throws {
        #expect(
            try substituted(#"#{"${HOST}" => ["${PORT}" | '${PORT}'], k => {{{"${EMPTY}"}}}}"#)
                == (try term(#"#{"db.local" => ["4040" | '4040'], k => {{{""}}}}"#))
        )
    }

    static let texts: [(text: String, result: String)] = [
        ("plain", "plain"),
        ("${PORT}", "4040"),
        ("a${PORT}b${PORT}", "a4040b4040"),
        ("${MISSING:-8080}", "8080"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${PORT:-8080}", "4040"),
        ("${EMPTY}", ""),
        ("$PORT", "$PORT"),
        ("pa$$word", "pa$$word"),
        ("$${PORT}", "${PORT}"),
        ("cost: 5$", "cost: 5$"),
        ("${MISSING:-}", ""),
    ]

    @Test(arguments: texts)
    func followsTheDocumentedSyntax(text: String, result: String) throws {
        #expect(try substituted("\"\(escape(text))\"") == .string(result))
    }

    static let failures: [(text: String, error: String)] = [
        (#"[{kv, [{p, "${NOPE}"}]}]"#, "sys.config:1:12: error: environment variable 'NOPE' is not set"),
        (#"[{kv, [{p, <<"x${HOST">>}]}]"#, "sys.config:1:12: error: '${' without a closing '}'"),
        (
            #"[{kv, [{'${1X}', 1}]}]"#,
            "sys.config:1:9: error: '${1X}' is not a variable reference: write ${NAME} or ${NAME:-default}"
        ),
    ]

    @Test(arguments: failures)
    func namesTheVariableAndWhereItIs(text: String, error: String) throws {
        let node = try located(text, file: "sys.config")
        let thrown = thrown { () throws(ReleaseFileError) in
            try VariableSubstitution.substitute(in: node, environment: Self.environment, file: "sys.config")
        }
        #expect(thrown?.description == error)
    }

    @Test func leavesTermsWithoutVariablesAlone() throws {
        let node = try located(#"[{kv, [{n, 1.5}, {l, [1, 2, 3]}, {s, "$ 5"}]}]"#)
        #expect(try VariableSubstitution.substitute(in: node, environment: [:], file: "f") == node)
    }

    @Test func substitutesVMArgsLineByLine() throws {
        let text = "-name ${NODE}\n-setcookie none\n+S ${CPUS:-2}\n"
        #expect(
            try VariableSubstitution.substitute(inText: text, environment: Self.environment, file: "vm.args")
                == "-name kv@host\n-setcookie none\n+S 2\n"
        )
        let error = thrown { () throws(ReleaseFileError) in
            try VariableSubstitution.substitute(inText: "-name x\n-env  ${HOME_DIR}", environment: [:], file: "vm.args")
        }
        #expect(error?.description == "vm.args:2:7: error: environment variable 'HOME_DIR' is not set")
        #expect(error?.code == .unsetVariable)
    }
}
