//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

/// Every error `release` reports before it needs the runtime: the message, the code, the
/// exit status, and the file and position where there is one.
struct BuildErrorTests {
    static let config = """
        {default_environment, dev}.
        {environment, dev, [{configuration, debug}]}.
        {environment, prod, [{configuration, release}]}.
        {release, kv, [{applications, [{kv, [{product, "KV"}]}]}]}.

        """

    @Test func noConfigSuggestsInit() throws {
        let package = try TemporaryPackage(["Package.swift": "// swift-tools-version: 6.1\n"])
        let error = buildError { () throws(BuildError) in _ = try package.builder().prepare() }
        #expect(
            error
                == BuildError(
                    code: .noConfig,
                    message: "no rel/config in '\(package.path)': it says which releases to build",
                    notes: ["run 'swift-distill init' to write one for this package"]
                )
        )
        #expect(error?.exitStatus == 2)
    }

    @Test func malformedConfigNamesFileLineAndColumn() throws {
        let package = try TemporaryPackage(["rel/config": "{release, kv,\n    [{applications, [kv]}}.\n"])
        let error = try #require(buildError { () throws(BuildError) in _ = try package.builder().prepare() })
        #expect(error.code == .invalidConfig && error.exitStatus == 2)
        #expect(error.location == SourceLocation(file: "rel/config", line: 2, column: 26))
        #expect(error.description == "rel/config:2:26: error: \(error.message)")
        #expect(error.detail == "        [{applications, [kv]}}.\n    " + String(repeating: " ", count: 25) + "^")
    }

    @Test func invalidConfigEntryIsLocated() throws {
        let package = try TemporaryPackage(["rel/config": "{release, kv, [{applications, [kv]}, {overlay, []}]}.\n"])
        let error = try #require(buildError { () throws(BuildError) in _ = try package.builder().prepare() })
        #expect(
            error.description
                == "rel/config:1:38: error: unknown release option 'overlay'; did you mean 'overlays'?"
        )
    }

    @Test(
        arguments: [
            (
                "staging", nil,
                "rel/config: error: rel/config defines no environment 'staging'"
            ),
            (
                nil, "kvv",
                "rel/config: error: rel/config defines no release 'kvv'; did you mean 'kv'?"
            ),
        ] as [(String?, String?, String)]
    )
    func unknownEnvironmentOrRelease(environment: String?, release: String?, expected: String) throws {
        let package = try TemporaryPackage(["rel/config": Self.config])
        let error = try #require(
            buildError { () throws(BuildError) in
                _ = try package.builder(environment: environment, release: release).prepare()
            }
        )
        #expect(error.code == .unknownName && error.exitStatus == 2)
        #expect(error.description == expected)
    }

    @Test func productMustBeADynamicLibrary() throws {
        let package = try TemporaryPackage([
            "Package.swift": TemporaryPackage.manifest(
                products: [".library(name: \"KV\", targets: [\"KV\"])"],
                targets: [".target(name: \"KV\")"]
            ),
            "Sources/KV/KV.swift": TemporaryPackage.library(exportsEntryPoint: true),
            "rel/config": Self.config,
        ])
        let error = buildError { () throws(BuildError) in _ = try package.builder().prepare() }
        #expect(
            error
                == BuildError(
                    code: .notADynamicLibrary,
                    message: "product 'KV' of application 'kv' is a library without a type (SwiftPM links it "
                        + "statically), not a dynamic library",
                    file: "rel/config",
                    notes: ["declare it as .library(name: \"KV\", type: .dynamic, targets: [...])"]
                )
        )
    }

    @Test func productMustExist() throws {
        let package = try TemporaryPackage([
            "Package.swift": TemporaryPackage.manifest(
                products: [".library(name: \"Store\", type: .dynamic, targets: [\"Store\"])"],
                targets: [".target(name: \"Store\")"]
            ),
            "Sources/Store/Store.swift": TemporaryPackage.library(exportsEntryPoint: true),
            "rel/config": Self.config,
        ])
        let error = buildError { () throws(BuildError) in _ = try package.builder().prepare() }
        #expect(error?.code == .unknownProduct)
        #expect(
            error?.message
                == "application 'kv' of release 'kv' is built by product 'KV', which package 'plugins' does not have "
                + "(it has 'Store')"
        )
    }

    @Test func pluginMustExportTheEntryPoint() async throws {
        let package = try TemporaryPackage([
            "Package.swift": TemporaryPackage.manifest(
                products: [".library(name: \"KV\", type: .dynamic, targets: [\"KV\"])"],
                targets: [".target(name: \"KV\")"]
            ),
            "Sources/KV/KV.swift": TemporaryPackage.library(exportsEntryPoint: false),
            "rel/config": Self.config,
        ])
        let builder = package.builder()
        let error = await buildError(offloading: { () throws(BuildError) in _ = try builder.prepare() })
        #expect(error?.code == .missingEntryPoint && error?.exitStatus == 3)
        #expect(error?.message == "product 'KV' of application 'kv' does not export 'distill_application'")
    }

    @Test func swiftBuildFailureShowsTheCompilerOutput() async throws {
        let package = try TemporaryPackage([
            "Package.swift": TemporaryPackage.manifest(
                products: [".library(name: \"KV\", type: .dynamic, targets: [\"KV\"])"],
                targets: [".target(name: \"KV\")"]
            ),
            "Sources/KV/KV.swift": "public func broken() -> Int { return \"not a number\" }\n",
            "rel/config": Self.config,
        ])
        let builder = package.builder()
        let error = try #require(await buildError(offloading: { () throws(BuildError) in _ = try builder.prepare() }))
        #expect(error.code == .swiftBuildFailed && error.exitStatus == 3)
        #expect(error.message == "swift build failed for product 'KV' (debug): exit status 1")
        #expect(
            error.detail?.contains("KV.swift:1:38: error: cannot convert return expression of type 'String'") == true
        )
        #expect(error.notes.first?.hasPrefix("the command was: swift build --package-path \(package.path)") == true)
    }

    /// A plugin that links another application's plugin is refused, naming both.
    @Test func pluginMustNotLinkAnotherPlugin() async throws {
        let base = try TemporaryPackage([
            "Package.swift": TemporaryPackage.manifest(
                name: "base",
                products: [".library(name: \"Base\", type: .dynamic, targets: [\"Base\"])"],
                targets: [".target(name: \"Base\")"]
            ),
            "Sources/Base/Base.swift": TemporaryPackage.library(exportsEntryPoint: true)
                + "public func shared() -> Int { 7 }\n",
        ])
        let package = try TemporaryPackage([
            "Package.swift": TemporaryPackage.manifest(
                products: [".library(name: \"Front\", type: .dynamic, targets: [\"Front\"])"],
                targets: [
                    ".target(name: \"Front\", dependencies: [.product(name: \"Base\", package: "
                        + "\"\(base.directory.url.lastPathComponent)\")])"
                ],
                dependencies: ".package(path: \"\(base.path)\")"
            ),
            "Sources/Front/Front.swift": "import Base\n"
                + "@_cdecl(\"distill_application\") public func distillApplication() -> Int { shared() }\n",
            "rel/config": "{release, front, [{applications, [{front, [{product, \"Front\"}]}]}]}.\n",
        ])
        let builder = package.builder()
        let error = await buildError(offloading: { () throws(BuildError) in _ = try builder.prepare() })
        #expect(error?.code == .pluginLinksPlugin && error?.exitStatus == 3)
        #expect(
            error?.message
                == "the plugin of application 'front' (Front) links the plugin 'libBase.so': applications talk "
                + "through processes, never by linking each other"
        )
    }
}
