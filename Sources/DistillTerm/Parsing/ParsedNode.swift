//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What the reader builds: a bare ``Term``, or a ``LocatedTerm`` tree. The reader is
/// generic over it, so the plain parse pays nothing for locations.
protocol ParsedNode {
    /// Whether the reader must work out locations for this kind of node.
    static var needsLocations: Bool { get }
    static func leaf(_ term: Term, at location: SourceLocation) -> Self
    /// `[children | tail]`; a proper-list tail is spliced in.
    static func list(_ children: [Self], tail: Self?, at location: SourceLocation) -> Self
    static func tuple(_ children: [Self], at location: SourceLocation) -> Self
    /// Keys and values alternating, in source order; a repeated key keeps its last value.
    static func map(_ children: [Self], at location: SourceLocation) -> Self
    /// The node of a parenthesised term.
    func parenthesised(at location: SourceLocation) -> Self
    var term: Term { get }
}

extension Term: ParsedNode {
    static var needsLocations: Bool { false }

    static func leaf(_ term: Term, at location: SourceLocation) -> Term { term }

    static func list(_ children: [Term], tail: Term?, at location: SourceLocation) -> Term {
        guard let tail else { return .list(children) }
        return .list(children, tail: tail)
    }

    static func tuple(_ children: [Term], at location: SourceLocation) -> Term { .tuple(children) }

    static func map(_ children: [Term], at location: SourceLocation) -> Term {
        var map = TermMap()
        var index = 0
        while index + 1 < children.count {
            map[children[index]] = children[index + 1]
            index += 2
        }
        return .map(map)
    }

    func parenthesised(at location: SourceLocation) -> Term { self }

    var term: Term { self }
}

extension LocatedTerm: ParsedNode {
    static var needsLocations: Bool { true }

    static func leaf(_ term: Term, at location: SourceLocation) -> LocatedTerm {
        LocatedTerm(term: term, location: location)
    }

    static func list(_ children: [LocatedTerm], tail: LocatedTerm?, at location: SourceLocation) -> LocatedTerm {
        let term = Term.list(children, tail: tail, at: location)
        guard let tail else { return LocatedTerm(term: term, location: location, children: children) }
        var parts = children
        switch tail.term {
        case .list, .improperList:
            parts += tail.children
        case .string(let text):
            // A string tail has no located elements: its code points take its location.
            parts += text.unicodeScalars.map { LocatedTerm(term: .integer(Int($0.value)), location: tail.location) }
        default:
            parts.append(tail)
        }
        return LocatedTerm(term: term, location: location, children: parts)
    }

    static func tuple(_ children: [LocatedTerm], at location: SourceLocation) -> LocatedTerm {
        LocatedTerm(term: .tuple(children.map(\.term)), location: location, children: children)
    }

    static func map(_ children: [LocatedTerm], at location: SourceLocation) -> LocatedTerm {
        LocatedTerm(term: Term.map(children.map(\.term), at: location), location: location, children: children)
    }

    func parenthesised(at location: SourceLocation) -> LocatedTerm {
        LocatedTerm(term: term, location: location, children: children)
    }
}

extension Term {
    fileprivate static func list(_ children: [LocatedTerm], tail: LocatedTerm?, at location: SourceLocation) -> Term {
        Term.list(children.map(\.term), tail: tail?.term, at: location)
    }
}
