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

    /// Logging as swift-log does it: inlinable front ends with `#fileID`/`#line` default
    /// arguments, calling a handler through a protocol.
    static let logging = """
        public protocol LogHandler { func log(_ message: String, file: String, function: String, line: UInt) }

        public struct Logger {
            public var handler: any LogHandler
            public init(handler: any LogHandler) { self.handler = handler }
            @inlinable public func info(
                _ message: @autoclosure () -> String, file: String = #fileID, function: String = #function,
                line: UInt = #line
            ) {
                handler.log(message(), file: file, function: function, line: line)
            }
        }

        public struct Handler {
            let logger: Logger
            @inline(never) public func run(_ n: Int) -> Int {
                logger.info("started")
                precondition(n >= 0, "negative")
                assert(n < 1000)
                if n > 10 {
                    logger.info("big \\(n)")
                }
                return n * 3
            }
        }
        """

    static var sources: [String: String] { ["KV.swift": kv, "Store.swift": store, "Log.swift": logging] }

    /// The same sources with comments and blank lines added above and inside the code.
    static var commentedSources: [String: String] {
        [
            "KV.swift": "// The key-value server.\n\n\n"
                + kv.replacingOccurrences(
                    of: "public init() {}",
                    with: "public init() {}\n\n    // Handles a request.\n"
                ),
            "Store.swift": "\n\n/* The store,\n   shared. */\n" + store,
            "Log.swift": "\n\n/* Logging. */\n"
                + logging.replacingOccurrences(
                    of: "if n > 10 {",
                    with: "// Big ones are logged.\n        if n > 10 {\n\n"
                ),
        ]
    }

    static func changed(_ before: [String: Fingerprint], _ after: [String: Fingerprint]) -> [String] {
        before.filter { after[$0.key] != $0.value }.keys.sorted()
    }

    /// Both builds' explanations of the symbols whose fingerprints differ, for failure messages.
    static func explainChanges(_ before: CompiledModule, _ after: CompiledModule) throws -> Comment {
        let fingerprinter = SymbolFingerprinter()
        let changed = changed(try before.fingerprints(), try after.fingerprints())
        var text = ""
        for name in changed.prefix(3) {
            text += "BEFORE " + (try fingerprinter.explanation(of: name, in: before.objects()) ?? "-") + "\n"
            text += "AFTER " + (try fingerprinter.explanation(of: name, in: after.objects()) ?? "-") + "\n"
        }
        return Comment(rawValue: text)
    }

    @Test func rebuildingUnchangedSourcesGivesIdenticalFingerprints() throws {
        let first = try CompiledModule(Self.sources).fingerprints()
        let second = try CompiledModule(Self.sources).fingerprints()
        #expect(first.count > 80)
        #expect(Self.changed(first, second) == [])
        #expect(first.keys.sorted() == second.keys.sorted())
    }

    /// Line numbers reach the code through `fatalError`, `precondition`, `assert` and
    /// `#line` default arguments; none of them may make a comment a code change.
    @Test(arguments: ["-O", "-Onone"])
    func commentsAndBlankLinesDoNotChangeFingerprints(optimization: String) throws {
        let beforeModule = try CompiledModule(Self.sources, optimization: optimization)
        let afterModule = try CompiledModule(Self.commentedSources, optimization: optimization)
        let before = try beforeModule.fingerprints()
        let after = try afterModule.fingerprints()
        #expect(before.keys.sorted() == after.keys.sorted())
        let explanation = try Self.explainChanges(beforeModule, afterModule)
        #expect(Self.changed(before, after) == [], explanation)
    }

    /// Without the line-number normalisation, the same comments change the functions that
    /// log or can fail: the normalisation is what keeps them equal.
    @Test func lineNumbersLeakWithoutNormalisation() throws {
        let fingerprinter = SymbolFingerprinter(options: .init(normalizesLineNumbers: false))
        let before = try fingerprinter.fingerprintsByName(of: CompiledModule(Self.sources).objects())
        let after = try fingerprinter.fingerprintsByName(of: CompiledModule(Self.commentedSources).objects())
        #expect(
            Self.changed(before, after) == [
                "$s4Demo2KVV3putyySS_SitF", "$s4Demo5StoreC3getyS2SF", "$s4Demo7HandlerV3runyS2iF",
            ]
        )
    }

    /// A known limit: in optimized code, a call to a function with a `line: UInt = #line`
    /// parameter that is not inlined gets its line as a constant that the line table
    /// attributes to no line, so the caller's fingerprint changes when lines above move.
    /// This errs on the safe side (an unneeded upgrade); `@inlinable` APIs like swift-log's
    /// and the standard library's failure functions are not affected.
    @Test func lineArgumentsOfCallsThatAreNotInlinedLeakInOptimizedCode() throws {
        let source = """
            public struct Logger {
                @inline(never) public func info(_ message: String, line: UInt = #line) { print(message, line) }
            }
            @inline(never) public func run(_ logger: Logger) { logger.info("started") }
            """
        let before = try CompiledModule(["Log.swift": source]).fingerprints()
        let after = try CompiledModule(["Log.swift": "// Logging.\n\n" + source]).fingerprints()
        #expect(Self.changed(before, after) == ["$s4Demo3runyyAA6LoggerVF"])
        let debugBefore = try CompiledModule(["Log.swift": source], optimization: "-Onone").fingerprints()
        let debugAfter = try CompiledModule(["Log.swift": "// Logging.\n\n" + source], optimization: "-Onone")
            .fingerprints()
        #expect(Self.changed(debugBefore, debugAfter) == [])
    }

    /// Functions that share `.text` call each other with PC-relative displacements the
    /// assembler fills in without relocations; new code in between must not change them.
    @Test func codeAddedElsewhereDoesNotChangeExistingSymbols() throws {
        let added = """
            public struct Pair<A, B> { var first: A; var second: B }
            @inline(never) public func makePair(_ n: Int) -> Pair<Int, [String]> { Pair(first: n, second: ["\\(n)"]) }

            """
        let beforeModule = try CompiledModule(Self.sources)
        let afterModule = try CompiledModule(Self.sources.merging(["KV.swift": added + Self.kv]) { $1 })
        let before = try beforeModule.fingerprints()
        let after = try afterModule.fingerprints()
        #expect(after.count > before.count)
        let explanation = try Self.explainChanges(beforeModule, afterModule)
        #expect(Self.changed(before, after) == [], explanation)
    }

    @Test func changingOneFunctionChangesOnlyItsSymbols() throws {
        let before = try CompiledModule(Self.sources).fingerprints()
        let after = try CompiledModule(
            Self.sources.merging([
                "KV.swift": Self.kv.replacingOccurrences(of: "case 2: return 17", with: "case 2: return 18")
            ]) { $1 }
        ).fingerprints()
        #expect(Self.changed(before, after) == ["$s4Demo2KVV6handleyS2iF"])
    }

    /// Unoptimized code copies and destroys an enum with payloads in outlined helpers that
    /// jump through a table of offsets relative to the table's start; each entry must name a
    /// block of its own helper, whatever code follows it.
    @Test func jumpTablesDoNotDependOnTheNextFunction() throws {
        let source = """
            public enum Value {
                case a(String), b([Int]), c(String), d([String]), e(String), f([Int])
                case g(String), h([Int]), i(String), j([String]), k(String), l([Int])
            }
            @inline(never) public func size(_ values: [Value]) -> Int {
                var total = 0
                for value in values {
                    let copy = value
                    switch copy {
                    case .a(let s), .c(let s), .e(let s), .g(let s), .i(let s), .k(let s): total += s.count
                    case .b(let n), .f(let n), .h(let n), .l(let n): total += n.count
                    case .d(let t), .j(let t): total += t.count
                    }
                }
                return total
            }
            @inline(never) public func next(_ n: Int) -> Int { n + 1 }

            """
        let before = try CompiledModule(["Value.swift": source], optimization: "-Onone")
        let after = try CompiledModule(
            [
                "Value.swift": source.replacingOccurrences(
                    of: "{ n + 1 }",
                    with: "{ n > 3 ? n * 7 + 1 : [n, n, n].reduce(0, +) - 2 }"
                )
            ],
            optimization: "-Onone"
        )
        let beforePrints = try before.fingerprints()
        let afterPrints = try after.fingerprints()
        let explanation = try Self.explainChanges(before, after)
        #expect(
            Self.changed(beforePrints, afterPrints).filter { !$0.contains("4next") } == [],
            explanation
        )
        #expect(beforePrints["$s4Demo4nextyS2iF"] != afterPrints["$s4Demo4nextyS2iF"])
    }

    /// A path to the build directory in a string (a C `__FILE__`, a Swift 5 `#file`) does
    /// not change the fingerprint when the directory is a path prefix the options name. (Swift
    /// code passes a literal's length as an immediate too, so there the directories' names must
    /// be as long; C code passes only the pointer.)
    @Test func pathPrefixesMakeFingerprintsIndependentOfTheBuildDirectory() throws {
        func module(_ directory: String) throws -> CompiledModule {
            try CompiledModule([
                "Where.swift": """
                @inline(never) public func whereAmI(_ n: Int) -> String {
                    n > 0 ? "\(directory)/Sources/Where.swift" : "elsewhere"
                }
                """
            ])
        }
        let first = try module("/home/ci/build-1")
        let second = try module("/tmp/wrk/build-2")
        let name = "$s4Demo8whereAmIySSSiF"
        let plain = (try first.fingerprints()[name], try second.fingerprints()[name])
        #expect(plain.0 != nil && plain.0 != plain.1)
        func normalised(_ module: CompiledModule, _ prefix: String) throws -> Fingerprint? {
            let fingerprinter = SymbolFingerprinter(options: .init(pathPrefixes: ["/nowhere", prefix]))
            return try fingerprinter.fingerprintsByName(of: module.objects())[name]
        }
        #expect(try normalised(first, "/home/ci/build-1") == normalised(second, "/tmp/wrk/build-2"))
        #expect(try normalised(first, "/home/ci/build-1") != normalised(second, "/tmp/wrk"))
    }

    @Test func wholeModuleOptimizationGivesStableFingerprints() throws {
        let before = try CompiledModule(Self.sources, wholeModule: true)
        #expect(before.objectPaths.count == 1)
        let after = try CompiledModule(Self.commentedSources, wholeModule: true)
        let rebuilt = try CompiledModule(Self.sources, wholeModule: true)
        let explanation = try Self.explainChanges(before, after)
        #expect(Self.changed(try before.fingerprints(), try after.fingerprints()) == [], explanation)
        #expect(Self.changed(try before.fingerprints(), try rebuilt.fingerprints()) == [])
    }

    /// DWARF 5 reaches addresses, ranges and names through index tables (`addrx`,
    /// `rnglistx`, `strx`); the call lines must still be found.
    @Test func commentsDoNotChangeFingerprintsWithDWARF5() throws {
        let before = try CompiledModule(Self.sources, flags: ["-dwarf-version=5"])
        let after = try CompiledModule(Self.commentedSources, flags: ["-dwarf-version=5"])
        let explanation = try Self.explainChanges(before, after)
        #expect(Self.changed(try before.fingerprints(), try after.fingerprints()) == [], explanation)
    }

    @Test func explainsWhatAFingerprintIsMadeOf() throws {
        let module = try CompiledModule(Self.sources)
        let text = try #require(
            try SymbolFingerprinter().explanation(of: "$s4Demo2KVV3putyySS_SitF", in: module.objects())
        )
        #expect(text.hasPrefix("$s4Demo2KVV3putyySS_SitF in "))
        #expect(text.contains("lineNumber"))
        #expect(text.contains("relocation 4 named(\"$ss17_assertionFailure"))
        #expect(try SymbolFingerprinter().explanation(of: "no such symbol", in: module.objects()) == nil)
    }
}
