//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An Erlang map: keys compared with exact equality (`1` and `1.0` are two keys),
/// entries kept sorted by ``Term/mapKeyOrder(_:_:)`` so that equal maps hold equal
/// entry arrays and print the same way every time.
public struct TermMap: Sendable, Hashable {
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        public var key: Term
        public var value: Term

        public init(key: Term, value: Term) {
            self.key = key
            self.value = value
        }
    }

    /// The entries, sorted by key.
    public private(set) var entries: [Entry]

    /// The empty map.
    public init() { entries = [] }

    /// A map of the given pairs; when a key repeats, the last value wins (as in `#{k => 1, k => 2}`).
    /// O(n log n): the pairs are sorted once, not inserted one by one.
    public init(_ pairs: some Sequence<(Term, Term)>) {
        var entries: [Entry] = []
        entries.reserveCapacity(pairs.underestimatedCount)
        // Where each key went, to give a repeated key its last value (`==` is `=:=`, the
        // equality of map keys).
        var positions: [Term: Int] = [:]
        for (key, value) in pairs {
            if let position = positions[key] {
                entries[position].value = value
            } else {
                positions[key] = entries.count
                entries.append(Entry(key: key, value: value))
            }
        }
        entries.sort { Term.mapKeyOrder($0.key, $1.key) < 0 }
        self.init(uncheckedSortedEntries: entries)
    }

    /// A map of `entries` that are already sorted by ``Term/mapKeyOrder(_:_:)`` with no two
    /// equal keys; the caller checks this (the External Term Format decoder does).
    init(uncheckedSortedEntries entries: [Entry]) { self.entries = entries }

    /// The number of entries.
    public var count: Int { entries.count }

    /// Whether the map has no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value for `key`, or `nil`. Setting `nil` removes the key.
    public subscript(key: Term) -> Term? {
        get {
            let (index, found) = position(of: key)
            return found ? entries[index].value : nil
        }
        set {
            let (index, found) = position(of: key)
            switch (found, newValue) {
            case (true, let value?): entries[index].value = value
            case (true, nil): entries.remove(at: index)
            case (false, let value?): entries.insert(Entry(key: key, value: value), at: index)
            case (false, nil): break
            }
        }
    }

    /// Binary search: where `key` is, or where it would go.
    private func position(of key: Term) -> (index: Int, found: Bool) {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let order = Term.mapKeyOrder(entries[middle].key, key)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }
}

extension TermMap: Sequence {
    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}

extension TermMap: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (Term, Term)...) { self.init(elements) }
}
