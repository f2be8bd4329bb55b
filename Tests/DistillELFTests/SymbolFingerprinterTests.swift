//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillTestSupport
import Foundation
import Testing

struct SymbolFingerprinterTests {
    static let store = """
        public final class Store: @unchecked Sendable {
            public static let shared = Store()
            var items: [String] = []
            public init() {}
            @inline(never) public func get(_ key: String) -> String {
                guard !key.isEmpty else { fatalError("empty key") }
                return items.first { $0 == key } ?? "none: \\(key)"
            }
        }
        """

    static let kv = """
        public protocol Server { func handle(_ request: Int) -> Int }

        public struct KV: Server {
            public var table: [String: Int] = [:]
            public init() {}
            @inline(never) public func handle(_ request: Int) -> Int {
                switch request {
                case 0: return table.count
                case 1: return table.count * 2
                case 2: return 17
                case 3: return -4
                default: return Store.shared.get("k").count
                }
            }
            @inline(never) public mutating func put(_ key: String, _ value: Int) {
                if value == 42 { fatalError("the answer is not a value") }
                table[key] = value
            }
        }
        """

    @Test func rebuildingUnchangedSourcesGivesIdenticalFingerprints() throws {
        let first = try CompiledModule(["KV.swift": Self.kv, "Store.swift": Self.store]).fingerprints()
        let second = try CompiledModule(["KV.swift": Self.kv, "Store.swift": Self.store]).fingerprints()
        #expect(first.count > 40)
        #expect(first == second)
    }

    static let logging = """
        public struct Logger {
            @inline(never) public func info(_ message: String, file: StaticString = #fileID, line: UInt = #line) {
                print(file, line, message)
            }
        }
        public struct Handler {
            let logger = Logger()
            @inline(never) public func run(_ n: Int) -> Int {
                logger.info("started")
                precondition(n >= 0, "negative")
                assert(n < 1000)
                if n > 10 {
                    logger.info("big")
                }
                return n * 3
            }
        }
        """

    @Test(arguments: ["-O", "-Onone"])
    func dumpForDebugging(optimization: String) throws {
        let module = try CompiledModule(["KV.swift": Self.kv, "Store.swift": Self.store, "Log.swift": Self.logging], optimization: optimization)
        let shifted = try CompiledModule([
            "KV.swift": "// A comment\n\n\n" + Self.kv.replacingOccurrences(of: "public init() {}", with: "public init() {}\n\n    // more\n"),
            "Store.swift": "\n\n/* block */\n" + Self.store,
            "Log.swift": "\n\n/* block */\n" + Self.logging.replacingOccurrences(of: "if n > 10 {", with: "// hmm\n        if n > 10 {\n\n"),
        ], optimization: optimization)
        let raw = SymbolFingerprinter(options: .init(normalizesLineNumbers: true))
        let a = try raw.fingerprintsByName(of: module.objects())
        let b = try raw.fingerprintsByName(of: shifted.objects())
        for (name, fingerprint) in a.sorted(by: { $0.key < $1.key }) where b[name] != fingerprint {
            print("DIFF", optimization, name)
            print(try raw.explanation(of: name, in: module.objects()) ?? "")
            print(try raw.explanation(of: name, in: shifted.objects()) ?? "")
        }
        #expect(a.keys.sorted() == b.keys.sorted())
        #expect(a.filter { b[$0.key] != $0.value }.keys.sorted() == [])
    }
}
