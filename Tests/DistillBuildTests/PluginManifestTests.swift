//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillPlan
import DistillRelease
import DistillTerm
import Testing

struct PluginManifestTests {
    static let text = """
        {distill_manifest,1,[{application,kv},{vsn,"0.1.0"},{description,"A key-value store"},\
        {mod,{'KVSupervisor',[]}},{modules,[{'KV',server,3,[{state,{struct,"KVPlugin.KV.State",\
        [{table,"Swift.Dictionary<Swift.String, KVPlugin.KV.Entry>",{map,{type,"Swift.String"},\
        {struct,"KVPlugin.KV.Entry",[{value,"Swift.String",{type,"Swift.String"}},\
        {hits,"Swift.Int",{type,"Swift.Int"}}]}}},{order,"Swift.Array<Swift.String>",{list,{type,"Swift.String"}}},\
        {last,"Swift.Optional<KVPlugin.KV.Entry>",{optional,{struct,"KVPlugin.KV.Entry",\
        [{value,"Swift.String",{type,"Swift.String"}}]}}},\
        {limit,"Swift.Int",{type,"Swift.Int"}}]}}]},{'KVFormat',library,1,[]},{'KVSupervisor',supervisor,1,[]}]},\
        {registered,[kv]},{applications,[]},{env,[{limit,100},{mode,fast}]},{runtime,[{abi,1},\
        {fingerprint,"5e0c"}]}]}.
        """

    @Test func decodesTheLaunchersManifest() throws {
        let manifest = try PluginManifest(term: TermParser.parseOne(Self.text), plugin: "libKV.so")
        #expect(manifest.application == "kv" && manifest.version == "0.1.0")
        #expect(manifest.description == "A key-value store")
        #expect(manifest.start == ApplicationSpec.StartModule(module: "KVSupervisor", arguments: []))
        #expect(manifest.modules.map(\.name) == ["KV", "KVFormat", "KVSupervisor"])
        #expect(manifest.modules.map(\.kind) == [.server, .library, .supervisor])
        #expect(manifest.modules.map(\.vsn) == [3, 1, 1])
        #expect(manifest.registered == ["kv"] && manifest.applications == [])
        #expect(manifest.environment == [.init(key: "limit", value: 100), .init(key: "mode", value: .atom("fast"))])
        #expect(manifest.abi == 1 && manifest.runtimeBuildID == "5e0c")
    }

    /// Each field's type spelt out from its shape, nested structs with their fields, so a
    /// field added to `Entry` changes the type of `table`.
    @Test func stateShapeSpellsNestedTypes() throws {
        let manifest = try PluginManifest(term: TermParser.parseOne(Self.text), plugin: "libKV.so")
        #expect(
            manifest.modules[0].stateShape
                == StateShape(fields: [
                    .init(name: "table", type: "[String: KVPlugin.KV.Entry{value: String, hits: Int}]"),
                    .init(name: "order", type: "[String]"),
                    .init(name: "last", type: "KVPlugin.KV.Entry{value: String}?"),
                    .init(name: "limit", type: "Int"),
                ])
        )
        #expect(manifest.modules[1].stateShape == nil)
    }

    @Test(arguments: [
        ("{something_else,1,[]}.", "is not a {distill_manifest, 1, [...]} term"),
        ("{distill_manifest,2,[]}.", "has format 2, this tool reads format 1"),
        ("{distill_manifest,1,[{application,kv}]}.", "has no 'vsn'"),
        (
            "{distill_manifest,1,[{application,kv},{vsn,\"1\"},{mod,x}]}.",
            "has a 'mod' that is neither undefined nor {Module, Args}: x"
        ),
    ])
    func refusesMalformedManifests(text: String, problem: String) throws {
        let term = try TermParser.parseOne(text)
        let error = buildError { () throws(BuildError) in _ = try PluginManifest(term: term, plugin: "p.so") }
        #expect(error?.code == .invalidManifest)
        #expect(error?.message == "the manifest of 'p.so' \(problem)")
    }
}
