//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillRelease
import DistillTestSupport
import Foundation
import Testing

struct OverlayApplierTests {
    /// A package with files to copy and render, and an empty release directory.
    static func setUp() throws -> (package: TemporaryPackage, release: TemporaryDirectory, applier: OverlayApplier) {
        let package = try TemporaryPackage([
            "rel/kv.conf": "port = 4000\n",
            "rel/env.sh": "#!/bin/sh\nRELEASE={{release_name}}-{{release_version}}\n",
            "rel/static/index.html": "<p>{{release_name}}</p>\n",
            "rel/static/css/site.css": "body {}\n",
        ])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: package.path + "/rel/env.sh")
        let release = try TemporaryDirectory(prefix: "distill-overlay")
        let applier = OverlayApplier(
            packageDirectory: package.path,
            releaseRoot: release.path,
            renderer: TemplateRenderer(variables: TemplateRendererTests.variables)
        )
        return (package, release, applier)
    }

    @Test func appliesMkdirCopyAndTemplate() throws {
        let (package, release, applier) = try Self.setUp()
        _ = package
        let created = try applier.apply([
            .mkdir("var/data"),
            .copy(from: "rel/kv.conf", to: "etc/kv.conf"),
            .copy(from: "rel/static", to: "priv/static"),
            .template(from: "rel/env.sh", to: "releases/{{release_version}}/env.sh"),
        ])
        #expect(created == ["var/data", "etc/kv.conf", "priv/static", "releases/0.2.0/env.sh"])
        let tree = try FileTree(at: release.path)
        #expect(
            tree.description == """
                d 755 etc
                f 644 etc/kv.conf (12 bytes)
                d 755 priv
                d 755 priv/static
                d 755 priv/static/css
                f 644 priv/static/css/site.css (8 bytes)
                f 644 priv/static/index.html (24 bytes)
                d 755 releases
                d 755 releases/0.2.0
                f 755 releases/0.2.0/env.sh (27 bytes)
                d 755 var
                d 755 var/data
                """
        )
        #expect(
            try String(contentsOfFile: release.path + "/releases/0.2.0/env.sh", encoding: .utf8)
                == "#!/bin/sh\nRELEASE=kv-0.2.0\n"
        )
        // Copies are not rendered.
        #expect(
            try String(contentsOfFile: release.path + "/priv/static/index.html", encoding: .utf8)
                == "<p>{{release_name}}</p>\n"
        )
    }

    @Test func refusesAMissingSource() throws {
        let (_, _, applier) = try Self.setUp()
        let error = buildError { () throws(BuildError) in
            _ = try applier.apply([.copy(from: "rel/nope.conf", to: "etc/x")])
        }
        #expect(
            error
                == BuildError(
                    code: .invalidTemplate,
                    message:
                        "overlay {copy, \"rel/nope.conf\", \"etc/x\"}: 'rel/nope.conf' does not exist in the package"
                )
        )
    }

    /// A rendered destination must stay inside the release.
    @Test func refusesADestinationOutsideTheRelease() throws {
        let (_, _, applier) = try Self.setUp()
        let error = buildError { () throws(BuildError) in _ = try applier.apply([.mkdir("{{environment}}/../../x")]) }
        #expect(
            error?.message
                == "overlay {mkdir, \"{{environment}}/../../x\"}: 'prod/../../x' is not a path inside the release"
        )
    }

    @Test func reportsTemplateErrorsInTheTemplateFile() throws {
        let (package, _, applier) = try Self.setUp()
        try "x {{#open}}\n".write(toFile: package.path + "/rel/bad.txt", atomically: true, encoding: .utf8)
        let error = buildError { () throws(BuildError) in
            _ = try applier.apply([.template(from: "rel/bad.txt", to: "bad.txt")])
        }
        #expect(error?.code == .invalidTemplate && error?.file == "rel/bad.txt")
    }
}
