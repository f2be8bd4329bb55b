//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Live processes by identifier, in shards so that lookups from several threads rarely meet.
final class ProcessTable: Sendable {
    private final class Shard: Sendable {
        let entries = Mutex<[UInt64: LocalProcess]>([:])
    }

    private static let shardCount = 16
    private let shards: [Shard] = (0..<ProcessTable.shardCount).map { _ in Shard() }

    private func shard(_ id: UInt64) -> Shard { shards[Int(id & UInt64(Self.shardCount - 1))] }

    func insert(_ process: LocalProcess) {
        shard(process.id).entries.withLock { $0[process.id] = process }
    }

    func remove(_ id: UInt64) {
        _ = shard(id).entries.withLock { $0.removeValue(forKey: id) }
    }

    subscript(id: UInt64) -> LocalProcess? {
        shard(id).entries.withLock { $0[id] }
    }

    /// Every live process, in identifier order.
    var all: [LocalProcess] {
        shards.flatMap { shard in shard.entries.withLock { Array($0.values) } }.sorted { $0.id < $1.id }
    }

    var count: Int { shards.reduce(0) { total, shard in total + shard.entries.withLock { $0.count } } }
}

/// Registered names (`register/2`, `whereis/1`).
final class NameRegistry: Sendable {
    private let names = Mutex<[String: LocalProcess]>([:])

    /// Registers `name` for `process`; throws if the name is taken or the process has a name.
    func register(_ name: String, _ process: LocalProcess) throws {
        try names.withLock { names in
            if let owner = names[name] {
                throw RuntimeError(.nameTaken, "the name '\(name)' is registered to \(owner.pid.text)")
            }
            let hadName: String? = process.locked { shared in
                if let existing = shared.registeredName { return existing }
                if shared.status == .dead { return "" }
                shared.registeredName = name
                return nil
            }
            if let hadName {
                if hadName.isEmpty { throw RuntimeError(.noProcess, "\(process.pid.text) is not alive") }
                throw RuntimeError(.alreadyRegistered, "\(process.pid.text) is already registered as '\(hadName)'")
            }
            names[name] = process
        }
    }

    func unregister(_ name: String) -> Bool {
        names.withLock { names in
            guard let owner = names.removeValue(forKey: name) else { return false }
            owner.locked { $0.registeredName = nil }
            return true
        }
    }

    /// Drops `name` if `process` holds it (the process ended).
    func remove(_ name: String, owner process: LocalProcess) {
        names.withLock { names in
            if names[name] === process { names.removeValue(forKey: name) }
        }
    }

    subscript(name: String) -> LocalProcess? { names.withLock { $0[name] } }

    var all: [String: LocalProcess] { names.withLock { $0 } }
}
