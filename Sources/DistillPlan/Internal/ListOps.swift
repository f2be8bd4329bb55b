//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The list operations of `systools` with their exact semantics (duplicates, order),
/// since the order of a relup's lists follows from them.
enum ListOps {
    /// Erlang's `A -- B`: for each element of `b`, the first equal element of `a` is removed.
    static func subtract<T: Equatable>(_ a: [T], _ b: [T]) -> [T] {
        var result = a
        for element in b {
            if let index = result.firstIndex(of: element) { result.remove(at: index) }
        }
        return result
    }

    /// `systools_make:make_set/1` (and `systools_relup`'s): the first occurrence of each element, in order.
    static func makeSet<T: Hashable>(_ list: [T]) -> [T] {
        var seen: Set<T> = []
        return list.filter { seen.insert($0).inserted }
    }

    /// `systools_rc:difference/2`: the elements of `a` (duplicates kept) that are not in `b`.
    static func difference<T: Hashable>(_ a: [T], _ b: [T]) -> [T] {
        let excluded = Set(b)
        return a.filter { !excluded.contains($0) }
    }
}
