//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Testing

struct DistillConfigTests {
    /// The example of DESIGN.md's "rel/config".
    static let design = """
        {default_release, kv}.
        {default_environment, dev}.

        {environment, dev,  [{dev_mode, true}, {include_runtime, false}, {configuration, debug}]}.
        {environment, prod, [{include_runtime, true}, {strip_debug_info, true}, {configuration, release}]}.

        {release, kv, [
            {version, "0.2.0"},
            {applications, [{kv, [{product, "KV"}]}]},
            {overlays, [{mkdir, "var/data"}, {copy, "rel/kv.conf", "etc/kv.conf"},
                        {template, "rel/env.sh.eex", "releases/{{release_version}}/env.sh"}]},
            {commands, [{migrate, "rel/commands/migrate.sh"}]},
            {hooks, [{pre_start, "rel/hooks/pre_start.d"}, {post_upgrade, "rel/hooks/post_upgrade.d"}]}
        ]}.
        """

    @Test func readsDesignsExample() throws {
        let config = try DistillConfig(parsing: Self.design, file: "rel/config")
        #expect(config.defaultRelease == "kv" && config.defaultEnvironment == "dev")
        #expect(config.environments.map(\.name) == ["dev", "prod"])
        #expect(config.environments[0].options == BuildOptions(devMode: true, runtime: .system, configuration: .debug))
        let release = try #require(config.releases.first)
        #expect(release.version == "0.2.0")
        #expect(release.applications == [ReleaseApplication(name: "kv", product: "KV")])
        #expect(
            release.overlays == [
                .mkdir("var/data"), .copy(from: "rel/kv.conf", to: "etc/kv.conf"),
                .template(from: "rel/env.sh.eex", to: "releases/{{release_version}}/env.sh"),
            ]
        )
        #expect(release.commands == [Command(name: "migrate", path: "rel/commands/migrate.sh")])
        #expect(
            release.hooks == [
                Hook(kind: .preStart, path: "rel/hooks/pre_start.d"),
                Hook(kind: .postUpgrade, path: "rel/hooks/post_upgrade.d"),
            ]
        )
        #expect(try TermParser.parseAll(Self.design, file: "rel/config") == config.terms)
        #expect(try DistillConfig(parsing: config.fileContents, file: "rel/config") == config)
    }

    @Test func resolvesTheDefaultsWithTheEnvironmentWinning() throws {
        let config = try DistillConfig(parsing: Self.design, file: "rel/config")
        let dev = try config.settings()
        #expect(dev.release == "kv" && dev.environment == "dev" && dev.version == "0.2.0")
        #expect(dev.devMode && dev.runtime == .system && dev.configuration == .debug && !dev.stripDebugInfo)
        let prod = try config.settings(environment: "prod")
        #expect(!prod.devMode && prod.runtime == .bundled && prod.configuration == .release && prod.stripDebugInfo)
        #expect(prod.overlays.count == 3 && prod.commands.count == 1 && prod.hooks.count == 2)
        #expect(prod.sysConfig == nil && prod.swiftBuildFlags == [])
    }

    @Test func releaseOptionsApplyUnlessTheEnvironmentSetsThem() throws {
        let config = try DistillConfig(
            parsing: """
                {environment, prod, [{strip_debug_info, true}, {vm_args, "rel/prod.vm.args"},
                                     {overlays, [{mkdir, "var/prod"}]}]}.
                {release, kv, [{version, "1.0.0"}, {applications, [kv, {kv_web, temporary}]},
                               {strip_debug_info, false}, {configuration, debug}, {include_runtime, "/opt/rt"},
                               {sys_config, "rel/sys.config"}, {swift_build_flags, ["-Xswiftc", "-g"]},
                               {overlays, [{mkdir, "var/data"}]}]}.
                """,
            file: "rel/config"
        )
        let settings = try config.settings()
        #expect(
            settings
                == ReleaseSettings(
                    release: "kv",
                    environment: "prod",
                    version: "1.0.0",
                    applications: [
                        ReleaseApplication(name: "kv"), ReleaseApplication(name: "kv_web", type: .temporary),
                    ],
                    overlays: [.mkdir("var/data"), .mkdir("var/prod")],
                    devMode: false,
                    runtime: .directory("/opt/rt"),
                    stripDebugInfo: true,
                    configuration: .debug,
                    sysConfig: "rel/sys.config",
                    vmArgs: "rel/prod.vm.args",
                    swiftBuildFlags: ["-Xswiftc", "-g"]
                )
        )
    }

    @Test func runsWithoutEnvironments() throws {
        let config = try DistillConfig(
            parsing: "{release, kv, [{version, \"1\"}, {applications, [kv]}]}.",
            file: "rel/config"
        )
        let settings = try config.settings()
        #expect(settings.environment == nil && settings.runtime == .bundled && settings.configuration == .release)
    }

    /// A release without `version` takes its first application's (the builder reads it from the plugin).
    @Test func releaseVersionIsOptional() throws {
        let config = try DistillConfig(parsing: "{release, kv, [{applications, [kv]}]}.", file: "rel/config")
        #expect(config.releases[0].version == nil)
        #expect(try config.settings().version == nil)
        #expect(config.fileContents == "{release,kv,[{applications,[kv]}]}.\n")
        #expect(try DistillConfig(parsing: config.fileContents, file: "rel/config") == config)
    }

    @Test func roundTripsEveryApplicationForm() throws {
        let applications: [ReleaseApplication] = [
            .init(name: "a"), .init(name: "b", type: .load),
            .init(
                name: "c",
                product: "C",
                version: "2.0",
                description: "C!",
                environment: [.init(key: "k", value: 1)],
                applications: ["a"]
            ),
            .init(name: "d", type: .transient, product: "D"),
        ]
        let config = DistillConfig(releases: [.init(name: "r", version: "1", applications: applications)])
        #expect(try DistillConfig(parsing: config.fileContents, file: "rel/config") == config)
        #expect(
            applications.map { TermPrinter.printCompact($0.term) }
                == [
                    "a", "{b,load}",
                    #"{c,[{product,"C"},{vsn,"2.0"},{description,"C!"},{env,[{k,1}]},{applications,[a]}]}"#,
                    #"{d,transient,[{product,"D"}]}"#,
                ]
        )
    }

    static let resolutionErrors: [(release: String?, environment: String?, error: String)] = [
        ("kvv", nil, "rel/config: error: rel/config defines no release 'kvv'; did you mean 'kv'?"),
        (nil, "prd", "rel/config: error: rel/config defines no environment 'prd'; did you mean 'prod'?"),
    ]

    @Test(arguments: resolutionErrors)
    func namesWhatIsNotDefined(release: String?, environment: String?, error: String) throws {
        let config = try DistillConfig(parsing: Self.design, file: "rel/config")
        #expect(
            thrown { () throws(ReleaseFileError) in try config.settings(release: release, environment: environment) }?
                .description == error
        )
    }

    @Test func asksForAChoiceWithoutDefaults() throws {
        let config = try DistillConfig(
            parsing: """
                {environment, a, []}. {environment, b, []}.
                {release, x, [{version, "1"}, {applications, [x]}]}.
                {release, y, [{version, "1"}, {applications, [y]}]}.
                """,
            file: "rel/config"
        )
        #expect(
            thrown { () throws(ReleaseFileError) in try config.settings() }?.description
                == "rel/config: error: rel/config defines several releases (x, y) and no default_release; name one"
        )
        #expect(
            thrown { () throws(ReleaseFileError) in try config.settings(release: "x") }?.description
                == "rel/config: error: rel/config defines several environments (a, b) and no default_environment; "
                + "name one"
        )
        #expect(try config.settings(release: "y", environment: "b").applications.map(\.name) == ["y"])
    }

    static let rejected: [(source: String, errors: [String])] = [
        (
            """
            {release, kv, [
                {version, "0.2.0"},
                {applications, [kv]},
                {overlay, []}
            ]}.
            """, ["rel/config:4:5: error: unknown release option 'overlay'; did you mean 'overlays'?"]
        ),
        (
            "{default_release, kvv}.\n{release, kv, [{version, \"1\"}, {applications, [kv]}]}.",
            [
                "rel/config:1:19: error: default_release names release 'kvv', which rel/config does not define; did "
                    + "you mean 'kv'?"
            ]
        ),
        (
            "{default_environment, prd}.\n{environment, prod, []}.\n{release, kv, [{version, \"1\"}, {applications, "
                + "[kv]}]}.",
            [
                "rel/config:1:23: error: default_environment names environment 'prd', which rel/config does not "
                    + "define; did you mean 'prod'?"
            ]
        ),
        (
            "{environment, prod, [{include_erts, true}, {cookie, secret}]}.\n{release, kv, [{version, \"1\"}, "
                + "{applications, [kv]}]}.",
            [
                "rel/config:1:22: error: unknown environment option 'include_erts'; did you mean 'include_runtime'? "
                    + "(swift-distill bundles its own runtime, not ERTS)",
                "rel/config:1:44: error: unknown environment option 'cookie'; swift-distill uses no cookie: only "
                    + "the release's owner can reach the node's control socket",
            ]
        ),
        (
            "{release, kv, [{vsn, \"1\"}, {applications, []}]}.",
            [
                "rel/config:1:16: error: unknown release option 'vsn'; did you mean 'version'?",
                "rel/config:1:43: error: release 'kv' has no applications",
            ]
        ),
        (
            "{releases, kv, []}.",
            ["rel/config:1:1: error: unknown rel/config entry 'releases'; did you mean 'release'?"]
        ),
        (
            "",
            [
                "rel/config: error: rel/config defines no release: add {release, Name, [{version, \"0.1.0\"}, "
                    + "{applications, [App]}]}."
            ]
        ),
        (
            "{release, kv, [{version, \"1 0\"}, {applications, [kv, kv]}, {commands, [{start, \"x.sh\"}]}]}.",
            [
                "rel/config:1:26: error: the version of release 'kv' must be a non-empty version without '/' or "
                    + "whitespace, found \"1 0\"",
                "rel/config:1:54: error: duplicate application 'kv' (first given at 1:50)",
                "rel/config:1:73: error: command 'start' would hide the built-in command of the same name",
            ]
        ),
        (
            "{release, kv, [{version, \"1\"}, {applications, [kv]}, {overlays, [{copy, \"a\", \"/etc/passwd\"}, "
                + "{mkdir, \"../up\"}, {link, \"a\", \"b\"}, {copy, \"a\"}]}]}.",
            [
                "rel/config:1:78: error: the destination of copy must be a path inside the release (relative, "
                    + "without '..'), found \"/etc/passwd\"",
                "rel/config:1:102: error: the directory of mkdir must be a path inside the release (relative, "
                    + "without '..'), found \"../up\"",
                "rel/config:1:112: error: unknown overlay 'link'",
                "rel/config:1:130: error: wrong number of elements in {copy, \"a\"}; overlays are {mkdir, Path}, "
                    + "{copy, From, To} and {template, From, To}",
            ]
        ),
        (
            "{release, kv, [{version, \"1\"}, {applications, [{kv, [{produkt, \"KV\"}, {version, \"2\"}]}]}, "
                + "{hooks, [{pre_strat, \"h\"}]}, {dev_mode, yes}, {configuration, releas}]}.",
            [
                "rel/config:1:54: error: unknown application option 'produkt'; did you mean 'product'?",
                "rel/config:1:71: error: unknown application option 'version'; did you mean 'vsn'?",
                "rel/config:1:100: error: unknown hook 'pre_strat'; did you mean 'pre_start'?",
                "rel/config:1:131: error: 'dev_mode' must be true or false, found yes",
                "rel/config:1:153: error: 'configuration' must be debug or release, found releas; did you mean "
                    + "'release'?",
            ]
        ),
        (
            "{release, kv, [{version, \"1\"}, {applications, [kv]}]}.\n{release, kv, [{version, \"2\"}, "
                + "{applications, [kv]}]}.",
            ["rel/config:2:1: error: duplicate release 'kv' (first given at 1:1)"]
        ),
    ]

    @Test(arguments: rejected)
    func reportsEveryMistakeWithItsPosition(source: String, errors: [String]) {
        #expect(problems(source, kind: .relConfig, file: "rel/config") == errors)
    }
}
