//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Testing

@testable import DistillRuntime

/// Two builds of one state (distinct types, same fields), and states that must not move bit for bit.
private enum Old {
    struct Table: Codable {
        var table: [String: String] = [:]
        var hits = 0
        var last: Term? = nil
    }
}
private enum New {
    struct Table: Codable {
        var table: [String: String] = [:]
        var hits = 0
        var last: Term? = nil
    }
    struct Reordered: Codable {
        var hits = 0
        var table: [String: String] = [:]
        var last: Term? = nil
    }
    struct Renamed: Codable {
        var table: [String: String] = [:]
        var count = 0
        var last: Term? = nil
    }
    struct Entry: Codable { var value = "" }
    struct OwnType: Codable {
        var table: [String: Entry] = [:]
        var hits = 0
        var last: Term? = nil
    }
}

struct StateTransferTests {
    @Test func sameFieldsOfSharedTypesMoveBitForBit() throws {
        var old = Old.Table()
        for index in 0..<1000 { old.table["key-\(index)"] = "value-\(index)" }
        old.hits = 7
        old.last = .tuple(["put", .binary("key-1")])
        var new = try #require(StateTransfer.transfer(old, as: New.Table.self))
        #expect(new.table == old.table && new.hits == 7 && new.last == old.last)
        // The copy is a value of its own: changing it leaves the old state (kept for a rollback) alone.
        new.table["key-1"] = "changed"
        new.hits += 1
        #expect(old.table["key-1"] == "value-1" && old.hits == 7)
    }

    @Test func anythingElseTakesTheTerm() {
        #expect(StateTransfer.transfer(Old.Table(), as: New.Reordered.self) == nil)
        #expect(StateTransfer.transfer(Old.Table(), as: New.Renamed.self) == nil)
        #expect(!StateTransfer.isBitwiseCompatible(New.OwnType.self, New.OwnType.self))
        #expect(!StateTransfer.isBitwiseCompatible(Int.self, Int.self))
    }

    @Test func aSoftChangeOfTheSameShapeKeepsTheState() throws {
        let runtime = EmbeddedRuntime()
        let tally = try runtime.spawn(TallyV1.self, args: 3)
        #expect(StateTransfer.isBitwiseCompatible(TallyV1.State.self, TallyV1b.State.self))
        try runtime.changeCode(tally, to: TallyV1b.self, mode: .soft)
        #expect(try runtime.call(tally, "get") == 3)
        #expect(runtime.finish().isClean)
    }
}
