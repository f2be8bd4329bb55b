//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTestSupport
import Foundation
import Testing

@testable import DistillBuild

struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func matchesTheStandardVectors(input: String, digest: String) {
        var hasher = SHA256()
        hasher.update(input)
        #expect(hasher.hexDigest() == digest)
    }

    /// Fed in uneven pieces, a file gives what `sha256sum` says.
    @Test func agreesWithSha256sum() throws {
        let directory = try TemporaryDirectory()
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<200_003).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = directory.path + "/data"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let expected = try runProcess("/usr/bin/env", ["sha256sum", path]).prefix(64)
        #expect(SHA256.hexDigest(ofFile: path) == String(expected))
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 1000, 4096] {
            hasher.update(bytes[offset..<offset + size])
            offset += size
        }
        hasher.update(bytes[offset...])
        #expect(hasher.hexDigest() == String(expected))
    }
}

struct VersionOrderTests {
    @Test func ordersNumbersAsNumbers() {
        let versions = ["0.10.0", "0.2.0", "0.9.1", "1.0.0", "0.2.0-rc1", "0.2"]
        #expect(versions.sorted(by: VersionOrder.less) == ["0.2", "0.2.0", "0.2.0-rc1", "0.9.1", "0.10.0", "1.0.0"])
    }
}

struct ConfigWriterTests {
    static let package = DescribedPackage(
        name: "kv-store",
        path: "/p",
        products: [
            .init(name: "KVStore", targets: ["KVStore"], kind: .dynamicLibrary),
            .init(name: "Metrics", targets: ["Metrics"], kind: .dynamicLibrary),
            .init(name: "Helpers", targets: ["Helpers"], kind: .dynamicLibrary),
            .init(name: "Tool", targets: ["Tool"], kind: .executable),
        ],
        targets: [
            .init(name: "KVStore", targetDependencies: ["Core"]),
            .init(name: "Core", productDependencies: ["DistillRuntime"]),
            .init(name: "Metrics", productDependencies: ["DistillRuntime", "Logging"]),
            .init(name: "Helpers"),
            .init(name: "Tool", productDependencies: ["DistillRuntime"]),
        ]
    )

    @Test func oneApplicationPerPluginProduct() throws {
        let text = try ConfigWriter.text(for: Self.package)
        let config = try DistillConfig(parsing: text, file: "rel/config")
        #expect(config.defaultRelease == "kv_store" && config.defaultEnvironment == "dev")
        #expect(config.environments.map(\.name) == ["dev", "prod"])
        #expect(config.releases.map(\.name) == ["kv_store"])
        #expect(config.releases[0].version == nil)
        #expect(
            config.releases[0].applications == [
                ReleaseApplication(name: "kv_store", product: "KVStore"),
                ReleaseApplication(name: "metrics", product: "Metrics"),
            ]
        )
        let prod = try config.settings(environment: "prod")
        #expect(prod.configuration == .release && prod.stripDebugInfo && prod.runtime == .bundled)
        #expect(text.hasPrefix("%% rel/config: the releases of package 'kv-store'"))
    }

    @Test func refusesAPackageWithoutPlugins() {
        let package = DescribedPackage(name: "p", path: "/p", products: [], targets: [])
        let error = buildError { () throws(BuildError) in _ = try ConfigWriter.text(for: package) }
        #expect(error?.code == .unknownProduct)
        #expect(
            error?.message
                == "package 'p' has no dynamic library product that depends on DistillRuntime, so there is no "
                + "application to put in a release"
        )
    }

    @Test func keepsAnExistingConfigUnlessForced() throws {
        let directory = try TemporaryDirectory()
        var package = Self.package
        package.path = directory.path
        try ConfigWriter.write(for: package)
        try "% mine\n".write(toFile: directory.path + "/rel/config", atomically: true, encoding: .utf8)
        let error = buildError { () throws(BuildError) in try ConfigWriter.write(for: package) }
        #expect(
            error
                == BuildError(
                    code: .fileExists,
                    message: "'rel/config' exists already",
                    notes: ["pass --force to replace it"]
                )
        )
        #expect(try String(contentsOfFile: directory.path + "/rel/config", encoding: .utf8) == "% mine\n")
        try ConfigWriter.write(for: package, force: true)
        #expect(
            try String(contentsOfFile: directory.path + "/rel/config", encoding: .utf8)
                == ConfigWriter.text(for: package)
        )
    }

    @Test(arguments: [
        ("KV", "kv"), ("KVStore", "kv_store"), ("swift-kv", "swift_kv"), ("HTTPServer2", "http_server2"),
        ("9lives", "app_9lives"),
    ])
    func atomNames(swift: String, atom: String) {
        #expect(ConfigWriter.atomName(swift) == atom)
    }
}

struct DescribedPackageTests {
    /// What `swift package describe --type json` prints for Fixtures/kv (abridged).
    static let json = """
        {"dependencies":[{"identity":"swift-distill","path":"/src/swift-distill","type":"fileSystem"}],
         "name":"kv","path":"/src/kv",
         "products":[{"name":"KV","targets":["KV"],"type":{"library":["dynamic"]}},
                     {"name":"kvctl","targets":["kvctl"],"type":{"executable":null}},
                     {"name":"Static","targets":["KV"],"type":{"library":["static"]}},
                     {"name":"Auto","targets":["KV"],"type":{"library":["automatic"]}}],
         "targets":[{"c99name":"KV","name":"KV","product_dependencies":["DistillRuntime"],"type":"library"},
                    {"name":"kvctl","target_dependencies":["KV"],"type":"executable"}]}
        """

    @Test func decodesProductsTargetsAndDependencies() throws {
        let package = try DescribedPackage(json: Data(Self.json.utf8))
        #expect(package.name == "kv" && package.path == "/src/kv")
        #expect(package.products.map(\.kind) == [.dynamicLibrary, .executable, .staticLibrary, .automaticLibrary])
        #expect(package.dependencies == [.init(identity: "swift-distill", path: "/src/swift-distill")])
        #expect(package.targets[1].targetDependencies == ["KV"])
        #expect(package.pluginProducts.map(\.name) == ["KV"])
    }

    @Test func templateLibraryFindsTheSwiftDistillCheckout() throws {
        var package = try DescribedPackage(json: Data(Self.json.utf8))
        package.dependencies = [.init(identity: "swift-distill", path: Repository.root.path)]
        let library = TemplateLibrary(package: package, buildDirectory: "/nowhere")
        #expect(library.directories == ["/src/kv/rel/templates", Repository.root.path + "/templates"])
    }
}

struct BuildProgressTests {
    @Test func swiftBuildCountIsReadFromTheStartOfALine() {
        #expect(SwiftBuildCount(line: "[123/456] Compiling NIOCore ByteBuffer.swift") == .init(done: 123, total: 456))
        #expect(SwiftBuildCount(line: "[1/1] Planning build") == .init(done: 1, total: 1))
        #expect(SwiftBuildCount(line: "Building for debugging...") == nil)
        #expect(SwiftBuildCount(line: "[7/3] nonsense") == nil)
        #expect(SwiftBuildCount(line: "[a/3] nonsense") == nil)
        #expect(SwiftBuildCount(line: "warning: [1/2] in a message") == nil)
    }
}
