//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

struct TemplateRendererTests {
    static let variables = TemplateVariables(
        releaseName: "kv",
        releaseVersion: "0.2.0",
        ertsVersion: "6.3.1-3fa0c2d1",
        environment: "prod",
        configuration: "release",
        swiftVersion: "6.3.1",
        runtimeFingerprint: "3fa0c2d1ee",
        includeRuntime: true,
        applications: [
            .init(name: "kv", version: "0.2.0", type: "permanent"),
            .init(name: "web", version: "1.0", type: "temporary"),
        ],
        commands: [.init(name: "migrate", path: "releases/0.2.0/commands/migrate.sh")],
        hooks: [.init(name: "pre_start", path: "releases/0.2.0/hooks/pre_start.d")]
    )

    static let renderer = TemplateRenderer(variables: variables)

    @Test(arguments: [
        ("{{release_name}}-{{release_version}}", "kv-0.2.0"),
        ("erts-{{erts_version}}/bin", "erts-6.3.1-3fa0c2d1/bin"),
        (
            "{{environment}} {{configuration}} {{swift_version}} {{runtime_fingerprint}}",
            "prod release 6.3.1 3fa0c2d1ee"
        ),
        ("{{#applications}}{{name}}-{{version}}:{{type}} {{/applications}}", "kv-0.2.0:permanent web-1.0:temporary "),
        ("{{#commands}}{{name}}={{path}}{{/commands}}", "migrate=releases/0.2.0/commands/migrate.sh"),
        ("{{#hooks}}{{kind}}={{path}}{{/hooks}}", "pre_start=releases/0.2.0/hooks/pre_start.d"),
        ("{{#include_runtime}}bundled{{/include_runtime}}{{^include_runtime}}system{{/include_runtime}}", "bundled"),
        ("{{unknown}}|", "|"),
    ])
    func rendersTheDocumentedVariables(template: String, expected: String) throws {
        #expect(try Self.renderer.render(template, file: "t") == expected)
    }

    /// Templates are text: `<`, `&` and quotes stay as they are (Mustache escapes HTML by default).
    @Test func escapesNothing() throws {
        var variables = Self.variables
        variables.releaseName = "a<b>&\"c\""
        let text = try TemplateRenderer(variables: variables).render("NAME={{release_name}}\n", file: "t")
        #expect(text == "NAME=a<b>&\"c\"\n")
    }

    @Test func keepsLinesAndShellSyntax() throws {
        let script =
            "#!/bin/sh\nset -eu\n{ read -r A B || [ -n \"${B:-}\" ]; } < f\nexec \"$X\" \"$@\" # {{release_name}}\n"
        #expect(
            try Self.renderer.render(script, file: "t")
                == "#!/bin/sh\nset -eu\n{ read -r A B || [ -n \"${B:-}\" ]; } < f\nexec \"$X\" \"$@\" # kv\n"
        )
    }

    @Test func reportsSyntaxErrorsWithTheirPlace() throws {
        let error = buildError { () throws(BuildError) in
            _ = try Self.renderer.render("line one\n{{#applications}}x\n", file: "rel/env.sh")
        }
        #expect(error?.code == .invalidTemplate)
        #expect(error?.description.hasPrefix("rel/env.sh:") == true)
        #expect(error?.message == "invalid template: a section is opened but never closed")
        let first = buildError { () throws(BuildError) in _ = try Self.renderer.render("ab {{release_name", file: "t") }
        #expect(first?.location == SourceLocation(file: "t", line: 1, column: 18))
        #expect(first?.message == "invalid template: the template ends inside a tag")
    }

    /// The templates swift-distill ships render and say what they are.
    @Test func shippedTemplatesRender() throws {
        let library = TemplateLibrary(directories: [Repository.root.appendingPathComponent("templates").path])
        let script = try library.template("bin/release.mustache")
        let rendered = try Self.renderer.render(script.text, file: script.file)
        #expect(rendered.hasPrefix("#!/bin/sh\n# bin/kv: "))
        #expect(rendered.contains("RELEASE_NAME=kv\n"))
        #expect(!rendered.contains("{{"))
        let sysConfig = try library.template("sys.config.mustache")
        let config = try Self.renderer.render(sysConfig.text, file: sysConfig.file)
        #expect(try TermParser.parseAll(config, file: "sys.config") == [.list([])])
        let vmArgs = try library.template("vm.args.mustache")
        #expect(try Self.renderer.render(vmArgs.text, file: vmArgs.file).hasPrefix("## Flags for the node of kv 0.2.0"))
    }

    /// `bin/REL` reads `start_erl.data` (without a line break, as OTP writes it) and runs
    /// the launcher of that runtime with the release's root in the environment.
    @Test func releaseScriptExecsTheLauncherOfTheRuntimeItNames() throws {
        let library = TemplateLibrary(directories: [Repository.root.appendingPathComponent("templates").path])
        let script = try library.template("bin/release.mustache")
        let root = try TemporaryDirectory(prefix: "distill-script")
        let files = [
            "bin/kv": try Self.renderer.render(script.text, file: script.file),
            "releases/start_erl.data": "6.3.1-3fa0c2d1 0.2.0",
            "erts-6.3.1-3fa0c2d1/bin/distill-run":
                "#!/bin/sh\necho \"$RELEASE_ROOT|$RELEASE_NAME|$RELEASE_VSN|$ERTS_VSN|$*\"\n",
        ]
        for (path, text) in files {
            let url = root.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        for path in ["bin/kv", "erts-6.3.1-3fa0c2d1/bin/distill-run"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path + "/" + path)
        }
        let real = URL(fileURLWithPath: root.path).resolvingSymlinksInPath().path
        let output = try runProcess(root.path + "/bin/kv", ["ping", "--x"])
        #expect(output == "\(real)|kv|0.2.0|6.3.1-3fa0c2d1|ping --root \(real) --name kv --x\n")
    }
}
