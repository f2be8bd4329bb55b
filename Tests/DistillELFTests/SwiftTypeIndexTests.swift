//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation
import Testing

struct SwiftTypeIndexTests {
    static let server = """
        public protocol Server { func handle(_ request: Int) -> Int }

        public struct KV: Server {
            public struct Nested: Hashable { var a: Int; @inline(never) func g() -> Int { a * 3 } }
            public var table: [String: Int] = [:]
            public init() {}
            @inline(never) public func handle(_ request: Int) -> Int {
                let adjust = { (x: Int) in x + request }
                return adjust(table.count) + Nested(a: request).g()
            }
            @inline(never) public mutating func put(_ key: String, _ value: Int) {
                table[key] = value
            }
        }

        public final class Store: @unchecked Sendable {
            public static let shared = Store()
            var items: [String] = []
            @inline(never) public func get(_ key: String) -> String { items.first { $0 == key } ?? "none" }
        }

        public enum Mode: String { case fast, safe }

        public struct Box<T> {
            var value: T
            @inline(never) public func get() -> T { value }
        }

        extension Array where Element == KV {
            public func total() -> Int { reduce(0) { $0 + $1.handle(1) } }
        }

        private final class Secret: @unchecked Sendable {
            var hits = 0
            @inline(never) func h() -> Int { hits += 1; return hits }
        }
        private let secretInstance = Secret()

        @inline(never) public func useBox() -> KV { Box(value: KV()).get() }
        public func secret() -> Int { secretInstance.h() }

        @_cdecl("distill_application") public func distillApplication() -> Int { KV().handle(0) }
        """

    @Test func attributesSymbolsToTheirTypes() throws {
        let index = try SwiftTypeIndex(objects: CompiledModule(["Server.swift": Self.server]).objects())
        #expect(index.modules == ["Demo"])
        let expected: [(String, String)] = [
            ("$s4Demo2KVV6handleyS2iF", "Demo.KV"),  // method
            ("$s4Demo2KVV3putyySS_SitF", "Demo.KV"),  // mutating method
            ("$s4Demo2KVVMn", "Demo.KV"),  // nominal type descriptor
            ("$s4Demo2KVVMa", "Demo.KV"),  // metadata accessor
            ("$s4Demo2KVVAA6ServerA2aDP6handleyS2iFTW", "Demo.KV"),  // protocol witness
            ("$s4Demo2KVVAA6ServerAAWP", "Demo.KV"),  // witness table for KV: Server
            ("$s4Demo2KVV6NestedVMn", "Demo.KV"),  // nested type, rolled up
            ("$s4Demo2KVV6NestedVSHAAMc", "Demo.KV"),  // nested type's conformance
            ("$s4Demo5StoreC3getyS2SF", "Demo.Store"),
            ("$s4Demo5StoreC6shared_WZ", "Demo.Store"),  // one-time initialiser of a static
            ("$s4Demo4ModeO8rawValueACSgSS_tcfC", "Demo.Mode"),
            ("$s4Demo3BoxVMn", "Demo.Box"),
            ("$s4Demo6ServerMp", "Demo.Server"),  // protocol descriptor
            ("$sSa4DemoAA2KVVRszlE5totalSiyF", "Demo"),  // constrained extension of Array
            ("$s4Demo6useBoxAA2KVVyF", "Demo"),  // module-scope function
            ("distill_application", "Demo"),  // C entry point
        ]
        for (symbol, owner) in expected {
            #expect(index.owners[symbol] == owner, "\(symbol)")
        }
        // A file-private type rolls up under its mangled, discriminated name.
        #expect(index.types.keys.contains { $0.hasPrefix("Demo.(Secret in _") })
        // A specialization of another module's generic code is a shared helper, not owned.
        #expect(index.owners.keys.allSatisfy { !$0.hasPrefix("$sSD") && !$0.hasPrefix("$ss") })
        #expect(index.types["Demo.KV"]?.kind == .struct)
        #expect(index.types["Demo.Store"]?.kind == .class)
        #expect(index.types["Demo"]?.kind == .moduleScope)
        #expect(index.types["Demo.KV"]?.references.contains("Demo.Server") == true)
        #expect(index.types["Demo"]?.references.isSuperset(of: ["Demo.KV", "Demo.Box"]) == true)
    }

    /// Caches and outlined operations for `Box<KV>` are emitted where that type is used
    /// (here in `useBox()`), so they are not `Box`'s code and do not make `Box` use `KV`.
    @Test(arguments: ["-O", "-Onone"])
    func instantiationsOfGenericTypesBelongToTheirUsers(optimization: String) throws {
        let index = try SwiftTypeIndex(
            objects: CompiledModule(["Server.swift": Self.server], optimization: optimization).objects()
        )
        #expect(index.types["Demo.Box"]?.references.contains("Demo.KV") == false)
        #expect(index.types["Demo"]?.references.contains("Demo.KV") == true)
        #expect(!index.owners.keys.contains { $0.hasSuffix("MD") && index.owners[$0] == "Demo.Box" })
    }

    @Test func nestedUnitsKeepTheirOwnCode() throws {
        let options = SwiftTypeIndex.Options(units: ["Demo.KV.Nested"])
        let index = try SwiftTypeIndex(
            objects: CompiledModule(["Server.swift": Self.server]).objects(),
            options: options
        )
        #expect(index.owners["$s4Demo2KVV6NestedVMn"] == "Demo.KV.Nested")
        #expect(index.owners["$s4Demo2KVV6handleyS2iF"] == "Demo.KV")
        #expect(index.types["Demo.KV"]?.references.contains("Demo.KV.Nested") == true)
    }

    static func index(_ source: String) throws -> SwiftTypeIndex {
        try SwiftTypeIndex(objects: CompiledModule(["Server.swift": source]).objects())
    }

    static func changedTypes(_ before: SwiftTypeIndex, _ after: SwiftTypeIndex) -> [String] {
        before.types.filter { after.types[$0.key]?.fingerprint != $0.value.fingerprint }.keys.sorted()
    }

    @Test func changingOneMethodBodyChangesOnlyItsType() throws {
        let before = try Self.index(Self.server)
        let after = try Self.index(
            Self.server.replacingOccurrences(of: "table[key] = value", with: "table[key] = value + 1")
        )
        #expect(before.types.keys.sorted() == after.types.keys.sorted())
        #expect(Self.changedTypes(before, after) == ["Demo.KV"])
    }

    @Test func commentsChangeNoType() throws {
        let before = try Self.index(Self.server)
        let after = try Self.index(
            "// Servers.\n\n"
                + Self.server.replacingOccurrences(
                    of: "public init() {}",
                    with: "public init() {}\n\n    // Requests.\n"
                )
        )
        #expect(Self.changedTypes(before, after) == [])
    }

    @Test func addingACallToAnotherTypeAddsItToTheReferences() throws {
        let before = try Self.index(Self.server)
        #expect(before.types["Demo.KV"]?.references.contains("Demo.Store") == false)
        let after = try Self.index(
            Self.server.replacingOccurrences(
                of: "table[key] = value",
                with: "table[key] = value + Store.shared.get(key).count"
            )
        )
        #expect(after.types["Demo.KV"]?.references.contains("Demo.Store") == true)
        #expect(Self.changedTypes(before, after) == ["Demo.KV"])
    }

    /// The inlining caveat: a method small enough to be inlined into its caller is part of
    /// the caller's code, so changing it changes both types.
    @Test func changingCodeInlinedIntoAnotherTypeChangesBoth() throws {
        let source = Self.server.replacingOccurrences(
            of: "table[key] = value",
            with: "table[key] = value + Store.shared.weight"
        )
        .replacingOccurrences(
            of: "var items: [String] = []",
            with: "var items: [String] = []\n    public var weight: Int { items.count + 1 }"
        )
        let before = try Self.index(source)
        let after = try Self.index(source.replacingOccurrences(of: "items.count + 1", with: "items.count + 2"))
        #expect(Self.changedTypes(before, after) == ["Demo.KV", "Demo.Store"])
    }

    @Test func listsOtherModulesTypesWhenAsked() throws {
        let objects = try CompiledModule(["Server.swift": Self.server]).objects()
        let index = try SwiftTypeIndex(objects: objects, options: .init(includesExternalReferences: true))
        let references = try #require(index.types["Demo.KV"]?.references)
        // Through the specializations of dictionary code that `put` calls, and directly.
        #expect(references.isSuperset(of: ["Swift._NativeDictionary", "Swift.String", "Demo.Server"]))
        #expect(try SwiftTypeIndex(objects: objects).types["Demo.KV"]?.references == ["Demo.Server"])
    }
}
