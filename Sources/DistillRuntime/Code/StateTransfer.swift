//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A soft code change without a round trip through a term: when the old and the new `State`
/// are structs of the same fields (names, order, declared types) and every type in them comes
/// from a module that every image of the node shares (the standard library, DistillTerm), the
/// two structs have one memory layout and their values point only into shared code. The new
/// code then takes a copy of the old value as it is (the copy retains what it references)
/// instead of the old code encoding it and the new code decoding it: O(1) where the round trip
/// is O(state), which is most of the pause a soft update causes.
///
/// Anything else (a field of a type the plugin defines, an enum, a class, another layout) goes
/// through the term as before. OTP does the same: a soft update calls no code on the state.
enum StateTransfer {
    private static let verdicts = Mutex<[Pair: Bool]>([:])

    private struct Pair: Hashable {
        var from: ObjectIdentifier
        var to: ObjectIdentifier
    }

    /// The modules whose types every image of a node shares.
    private static let sharedModules: Set<Substring> = ["Swift", "_Concurrency", "DistillTerm"]

    /// Whether a value of `from` is a value of `to`, bit for bit.
    static func isBitwiseCompatible(_ from: Any.Type, _ to: Any.Type) -> Bool {
        let pair = Pair(from: ObjectIdentifier(from), to: ObjectIdentifier(to))
        if let verdict = verdicts.withLock({ $0[pair] }) { return verdict }
        let verdict = judge(from, to)
        verdicts.withLock { $0[pair] = verdict }
        return verdict
    }

    /// A copy of `value` as a `T`, if ``isBitwiseCompatible(_:_:)``.
    static func transfer<Value, T>(_ value: Value, as type: T.Type) -> T? {
        guard isBitwiseCompatible(Value.self, T.self) else { return nil }
        return withUnsafeBytes(of: value) { $0.load(as: T.self) }
    }

    private static func judge(_ from: Any.Type, _ to: Any.Type) -> Bool {
        func layout(_ type: Any.Type) -> [Int] {
            func measure<T>(_: T.Type) -> [Int] {
                [MemoryLayout<T>.size, MemoryLayout<T>.stride, MemoryLayout<T>.alignment]
            }
            return _openExistential(type, do: measure)
        }
        guard layout(from) == layout(to),
            let old = StateShape.describe(from).tupleElements, old.count == 3, old[0] == "struct",
            let new = StateShape.describe(to).tupleElements, new.count == 3, new[0] == "struct",
            old[2] == new[2], let fields = old[2].listElements
        else { return false }
        // Each field: {Name, "Module.Type", Shape}; nothing in it may be a plugin's own type.
        return fields.allSatisfy { field in
            guard let parts = field.tupleElements, parts.count == 3, let typeName = parts[1].stringValue else {
                return false
            }
            return namesOnlySharedTypes(typeName) && isShared(parts[2])
        }
    }

    /// Whether a field's shape holds only leaves of shared types (no struct, enum or recursion).
    private static func isShared(_ shape: Term) -> Bool {
        guard let parts = shape.tupleElements, let kind = parts.first?.atomValue else { return false }
        switch kind {
        case "type": return parts.count == 2 && parts[1].stringValue.map(namesOnlySharedTypes) == true
        case "optional", "list", "set", "map": return parts.dropFirst().allSatisfy(isShared)
        default: return false
        }
    }

    /// Whether every qualified name in `typeName` (`Swift.Dictionary<Swift.String, KV.Entry>`)
    /// belongs to a shared module.
    private static func namesOnlySharedTypes(_ typeName: String) -> Bool {
        let separators: Set<Character> = ["<", ">", ",", " ", "(", ")", "[", "]", ":", "?", "-"]
        return typeName.split(whereSeparator: { separators.contains($0) }).allSatisfy { token in
            sharedModules.contains(token.prefix { $0 != "." })
        }
    }
}
