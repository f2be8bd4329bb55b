//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import Foundation
import Testing

struct SwiftDemanglerTests {
    @Test func demanglesWithTheRuntime() {
        #expect(SwiftDemangler.demangle("$s4Demo2KVVMn") == "nominal type descriptor for Demo.KV")
        #expect(SwiftDemangler.demangle("$s4Demo2KVV3getyS2iF") == "Demo.KV.get(Swift.Int) -> Swift.Int")
        #expect(SwiftDemangler.demangle("distill_application") == nil)
        #expect(SwiftDemangler.demangle("_ZN4core3fmt5write17h0123456789abcdefE") == nil)
    }

    static let contexts: [(String, String, [String], String?)] = [
        ("$s4Demo2KVV3getyS2iF", "Demo", ["KV"], nil),  // method
        ("$s4Demo2KVV6NestedVMn", "Demo", ["KV", "Nested"], nil),  // nested type's descriptor
        ("$s4Demo2KVVAA1PA2aDP1fSiyFTW", "Demo", ["KV"], nil),  // protocol witness: the conforming type
        ("$s4Demo5StoreC6shared_WZ", "Demo", ["Store"], nil),  // one-time initialiser of a static
        ("$s4Demo3BoxV3getxyFAA2KVV_Tg5", "Demo", ["Box"], nil),  // generic specialization
        ("$s4Demo6secretSiyF", "Demo", [], nil),  // module-scope function
        (
            "$s4Demo6Secret33_0123456789ABCDEF0123456789ABCDEFLLV1hSiyF", "Demo",
            ["(Secret in _0123456789ABCDEF0123456789ABCDEF)"], nil
        ),  // file-private type
        ("$sSa4DemoE5totalSiyF", "Swift", ["Array"], "Demo"),  // extension of Array in Demo
        ("$s7KVStore0A6ServerV3runyyF", "KVStore", ["KVStoreServer"], nil),  // word substitution
        ("$ss17_NativeDictionaryV4copyyyFSS_SiTg5", "Swift", ["_NativeDictionary"], nil),
        ("$s4Demo6ServerMp", "Demo", ["Server"], nil),  // protocol descriptor: no `P`
        ("$s4Demo6Server_pMF", "Demo", ["Server"], nil),  // field descriptor of `any Server`
        ("$s2KVAAV3vsn11DistillTerm0D0OvgZ", "KV", ["KV"], nil),  // a type named like its module: `AA`
        ("$s2KVAAV5StateV4fromADs7Decoder_p_tKcfC", "KV", ["KV", "State"], nil),  // nested in it
        ("$s2KVAAV5StateVMn", "KV", ["KV", "State"], nil),
        ("$s2KV10KVRequestsO6handle_5table11DistillTerm0F0OAH_SDyA2HGztFZ", "KV", ["KVRequests"], nil),
    ]

    @Test(arguments: contexts)
    func readsTheLeadingContext(symbol: String, module: String, types: [String], extensionModule: String?) throws {
        let context = try #require(SwiftDemangler.context(of: symbol))
        #expect(context.module == module)
        #expect(context.types.map(\.description) == types)
        #expect(context.extensionModule == extensionModule)
    }

    @Test func hasNoContextForNonSwiftNamesAndTypeManglings() {
        #expect(SwiftDemangler.context(of: "distill_application") == nil)
        #expect(SwiftDemangler.context(of: "$sS2iIegyd_TR") == nil)  // reabstraction thunk over (Int) -> Int
        #expect(SwiftDemangler.context(of: "$sytWV") == nil)  // value witnesses of ()
    }

    /// The context read from the mangling names the same type as the runtime's demangler,
    /// for every nominal type and protocol descriptor of the toolchain's libraries.
    @Test func agreesWithTheRuntimeDemanglerOnTheToolchainLibraries() throws {
        var checked = 0
        var mismatches: [String] = []
        let prefixes = ["nominal type descriptor for ", "protocol descriptor for "]
        for library in ["libswiftCore.so", "libswift_Concurrency.so", "libFoundationEssentials.so"] {
            let file = try ELFFile(path: Toolchain.runtimeLibrary(library))
            for symbol in try file.dynamicSymbols() where symbol.name.hasSuffix("Mn") || symbol.name.hasSuffix("Mp") {
                guard let demangled = SwiftDemangler.demangle(symbol.name),
                    let prefix = prefixes.first(where: { demangled.hasPrefix($0) })
                else { continue }
                let expected = String(demangled.dropFirst(prefix.count))
                guard !expected.contains("(extension in"), !expected.contains(" #") else { continue }  // local types
                checked += 1
                let name = SwiftDemangler.context(of: symbol.name)?.qualifiedTypeName
                if name != expected { mismatches.append("\(symbol.name): \(name ?? "nil") != \(expected)") }
            }
        }
        #expect(checked > 1000)
        #expect(mismatches == [])
    }
}
