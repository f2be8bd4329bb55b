//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

struct SysConfigTests {
    static let source = """
        %% kv's configuration
        [{kv, [{port, 4040}, {data_dir, "var/data"}, {peers, #{a => 1}}]},
         "releases/0.2.0/extra.config",
         {logger, []}].
        """

    @Test func readsApplicationsAndIncludes() throws {
        let config = try SysConfig(parsing: Self.source, file: "sys.config")
        #expect(config.entries.count == 3)
        #expect(config.parameters(for: "kv")?.map(\.key) == ["port", "data_dir", "peers"])
        #expect(config.parameters(for: "logger") == [])
        #expect(config.parameters(for: "sasl") == nil)
        #expect(config.includes == ["releases/0.2.0/extra.config"])
        #expect(try TermParser.parseAll(Self.source, file: "sys.config") == [config.term])
        #expect(try SysConfig(parsing: config.fileContents, file: "sys.config") == config)
    }

    @Test func substitutesVariablesBeforeDecoding() throws {
        let source = #"[{kv, [{port, "${PORT}"}, {'${KEY}', <<"${HOST:-localhost}">>}]}]."#
        let config = try SysConfig(parsing: source, file: "sys.config", environment: ["PORT": "4040", "KEY": "name"])
        #expect(
            config.parameters(for: "kv") == [
                ConfigParameter(key: "port", value: .string("4040")),
                ConfigParameter(key: "name", value: .binary("localhost")),
            ]
        )
        let error = thrown { () throws(ReleaseFileError) in
            try SysConfig(parsing: source, file: "sys.config", environment: [:])
        }
        #expect(error?.description == "sys.config:1:15: error: environment variable 'PORT' is not set")
    }

    static let rejected: [(source: String, errors: [String])] = [
        (
            "[{kv, [{port, 1}]}, {kv, []}].",
            ["sys.config:1:21: error: duplicate configuration of application 'kv' (first given at 1:2)"]
        ),
        (
            "[{kv, [{port, 1}, {port, 2}]}].",
            ["sys.config:1:19: error: duplicate parameter 'port' (first given at 1:8)"]
        ),
        ("[{kv, [{\"port\", 1}]}].", ["sys.config:1:9: error: a parameter name must be an atom, found \"port\""]),
        ("[{kv, #{port => 1}}].", ["sys.config:1:7: error: the parameters of 'kv' must be a list, found #{port => 1}"]),
        (
            "[kv].",
            [
                "sys.config:1:2: error: an entry of sys.config must be an {App, [{Key, Val}]} tuple or a file name, "
                    + "found kv"
            ]
        ),
        ("{kv, []}.", ["sys.config:1:1: error: a sys.config file must be a list, found {kv, []}"]),
        ("[]. [].", ["sys.config:1:5: error: a sys.config file must hold one term, found 2"]),
    ]

    @Test(arguments: rejected)
    func reportsWhatOTPRejects(source: String, errors: [String]) {
        #expect(problems(source, kind: .sysConfig, file: "sys.config") == errors)
    }
}
