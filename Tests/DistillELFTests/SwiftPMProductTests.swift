//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation
import Testing

/// A tiny plugin package built once with `swift build -c release`, as the release builder
/// will build an application: a dynamic library product whose target depends on a second
/// library target of the package.
struct PluginPackage {
    let directory: TemporaryDirectory
    var buildDirectory: String { directory.path + "/.build/release" }
    var library: String { buildDirectory + "/libPlug.so" }

    static let manifest = """
        // swift-tools-version: 6.1
        import PackageDescription
        let package = Package(
            name: "Plug",
            products: [.library(name: "Plug", type: .dynamic, targets: ["Plug"])],
            targets: [.target(name: "Plug", dependencies: ["PlugSupport"]), .target(name: "PlugSupport")]
        )
        """

    static let support = """
        public final class Counter: @unchecked Sendable {
            public static let shared = Counter()
            public private(set) var value = 0
            @inline(never) public func bump() -> Int { value += 1; return value }
        }
        """

    static let entry = """
        @_cdecl("distill_application") public func distillApplication() -> Int { KV().handle(1) }
        """

    /// The package, built at most once per test run.
    static let built: Result<PluginPackage, any Error> = Result { try PluginPackage() }

    private init() throws {
        directory = try TemporaryDirectory(prefix: "distill-plugin")
        let files: [String: String] = [
            "Package.swift": Self.manifest,
            "Sources/Plug/Server.swift": SwiftTypeIndexTests.server.replacingOccurrences(
                of: "@_cdecl(\"distill_application\") public func distillApplication() -> Int { KV().handle(0) }",
                with: ""
            ),
            "Sources/Plug/Entry.swift": "import PlugSupport\n" + Self.entry
                + "\npublic struct Ticker {\n    public init() {}\n"
                + "    @inline(never) public func tick() -> Int { Counter.shared.bump() }\n}\n",
            "Sources/PlugSupport/Counter.swift": Self.support,
        ]
        for (path, text) in files {
            let url = directory.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let swift = URL(fileURLWithPath: Toolchain.swiftc).deletingLastPathComponent().appendingPathComponent("swift")
            .path
        try runProcess(swift, ["build", "-c", "release", "--package-path", directory.path])
    }

    /// The object files SwiftPM left for `target`.
    func objects(of target: String) throws -> [String] {
        let folder = buildDirectory + "/\(target).build"
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".o") }.sorted()
            .map { folder + "/" + $0 }
    }
}

struct SwiftPMProductTests {
    /// Release builds compile each target with whole-module optimization and two threads:
    /// one object per source file, in `.build/release/<Target>.build/`.
    @Test func releaseBuildLeavesOneObjectPerSourceFile() throws {
        let package = try PluginPackage.built.get()
        #expect(
            try package.objects(of: "Plug").map { ($0 as NSString).lastPathComponent } == [
                "Entry.swift.o", "Server.swift.o",
            ]
        )
        #expect(
            try package.objects(of: "PlugSupport").map { ($0 as NSString).lastPathComponent } == ["Counter.swift.o"]
        )
        #expect(FileManager.default.fileExists(atPath: package.library))
    }

    @Test(.enabled(if: Toolchain.readelf != nil, "needs readelf from binutils"))
    func dynamicInfoOfTheProductMatchesReadelf() throws {
        let package = try PluginPackage.built.get()
        let info = try #require(try ELFFile(path: package.library).dynamicInfo())
        let listing = try runProcess(try #require(Toolchain.readelf), ["-d", package.library])
        let needed = listing.split(separator: "\n").filter { $0.contains("(NEEDED)") }.map {
            String($0[$0.index(after: $0.firstIndex(of: "[")!)..<$0.lastIndex(of: "]")!])
        }
        #expect(info.needed == needed)
        #expect(info.needed.contains("libswiftCore.so"))
        #expect(info.soname == nil)  // SwiftPM sets none
        #expect(info.runpath == [Toolchain.runtimeDirectory, "$ORIGIN"])
        #expect(listing.contains("Library runpath: [\(info.runpath.joined(separator: ":"))]"))
    }

    @Test func productExportsTheEntryPoint() throws {
        let file = try ELFFile(path: try PluginPackage.built.get().library)
        #expect(try file.exportsSymbol(named: "distill_application"))
        #expect(try !file.exportsSymbol(named: "distill_missing"))
    }

    @Test func indexesTheApplicationsTargets() throws {
        let package = try PluginPackage.built.get()
        let objects = try (package.objects(of: "Plug") + package.objects(of: "PlugSupport")).map {
            try ELFFile(path: $0)
        }
        let index = try SwiftTypeIndex(objects: objects)
        #expect(index.modules == ["Plug", "PlugSupport"])
        #expect(
            Set(index.types.keys).isSuperset(of: [
                "Plug.KV", "Plug.Store", "Plug.Ticker", "Plug", "PlugSupport.Counter",
            ])
        )
        #expect(index.owners["distill_application"] == "Plug")
        #expect(index.types["Plug.Ticker"]?.references.contains("PlugSupport.Counter") == true)
        #expect(index.types["Plug.KV"]?.references.contains("PlugSupport.Counter") == false)
    }

    /// In the linked library, calls between functions are resolved by the linker; the
    /// fingerprinter still names their targets.
    @Test func fingerprintsOfTheLinkedLibraryNameTheirCallees() throws {
        let library = try ELFFile(path: try PluginPackage.built.get().library)
        let explanation = try #require(try SymbolFingerprinter().explanation(of: "distill_application", in: [library]))
        #expect(explanation.contains("resolvedBranch 4 symbol(\"$s4Plug2KVV6handleyS2iF\", delta: 0)"))
        #expect(try SymbolFingerprinter.fingerprints(of: [library])["$s4Plug2KVV6handleyS2iF"] != nil)
    }
}
