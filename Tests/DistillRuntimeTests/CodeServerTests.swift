//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRuntime
import Testing

struct CodeServerTests {
    static let v1 = Application(name: "tally", version: "1.0.0", modules: [TallyV1.self])
    static let v2 = Application(name: "tally", version: "2.0.0", modules: [TallyV2.self])

    @Test func makingCodeCurrentKeepsThePreviousAsOld() throws {
        let runtime = EmbeddedRuntime()
        let codeServer = runtime.node.codeServer
        try codeServer.register(Self.v1)
        #expect(try codeServer.currentCode("Tally").vsn == 1)
        #expect(codeServer.oldCode("Tally") == nil)
        try codeServer.register(Self.v2)
        #expect(try codeServer.currentCode("Tally").vsn == 2)
        #expect(codeServer.oldCode("Tally")?.vsn == 1)
        #expect(codeServer.application("tally")?.version == "2.0.0")
        #expect(codeServer.revert(module: "Tally"))
        #expect(try codeServer.currentCode("Tally").vsn == 1)
        #expect(!codeServer.revert(module: "Tally"))
        try codeServer.register(Self.v2)
        codeServer.purge(module: "Tally")
        #expect(codeServer.oldCode("Tally") == nil)
        runtime.finish()
    }

    @Test func processesStartedByNameRunTheCurrentCode() throws {
        let runtime = EmbeddedRuntime()
        try runtime.node.codeServer.register(Self.v1)
        let old = try runtime.node.spawn(module: "Tally", args: 4)
        try runtime.node.codeServer.register(Self.v2)
        let new = try runtime.node.spawn(module: "Tally")
        #expect(try runtime.call(old, "version") == 1)
        #expect(try runtime.call(new, "version") == 2)
        #expect(runtime.node.processInfo(old)?.vsn == 1)
        runtime.finish()
    }

    @Test func unknownModulesAndLibrariesCannotStartProcesses() throws {
        let runtime = EmbeddedRuntime()
        #expect(throws: RuntimeError.self) { try runtime.node.spawn(module: "Nothing") }
        try runtime.node.codeServer.register(Application(name: "lib", version: "1", modules: [Helpers.self]))
        #expect(try runtime.node.codeServer.currentCode("Helpers").kind == .library)
        do {
            try runtime.node.spawn(module: "Helpers")
            Issue.record("a library started a process")
        } catch let error as RuntimeError {
            #expect(error.code == .startFailed)
        }
        runtime.finish()
    }

    @Test func moduleNamesMustBeUniqueInAnApplication() throws {
        let runtime = EmbeddedRuntime()
        do {
            _ = try runtime.node.codeServer.load(
                Application(name: "twice", version: "1", modules: [TallyV1.self, TallyV2.self])
            )
            Issue.record("expected a duplicate module error")
        } catch let error as RuntimeError {
            #expect(error.code == .badPlugin)
            #expect(error.message == "twice: two modules are named 'Tally'; give one another moduleName")
        }
        runtime.finish()
    }

    @Test func makeCurrentOfOneModuleLeavesTheOthers() throws {
        let runtime = EmbeddedRuntime()
        let codeServer = runtime.node.codeServer
        try codeServer.register(Application(name: "a", version: "1", modules: [TallyV1.self, Helpers.self]))
        let next = try codeServer.load(Application(name: "a", version: "2", modules: [TallyV2.self, HelpersV2.self]))
        #expect(try codeServer.currentCode("Tally").vsn == 1)
        try codeServer.makeCurrent(module: "Tally", from: next)
        #expect(try codeServer.currentCode("Tally").vsn == 2)
        #expect(try codeServer.currentCode("Helpers").vsn == 1)
        #expect(throws: RuntimeError.self) { try codeServer.makeCurrent(module: "Missing", from: next) }
        runtime.finish()
    }
}

enum Helpers: Library {
    static let vsn: Term = 1
}

enum HelpersV2: Library {
    static let vsn: Term = 2
    static var moduleName: String { "Helpers" }
}
