//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A position in a source file: 1-based line, and 1-based column counted in
/// Unicode scalars (so `é` is one column whether the file spells it in one byte or two).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it (`rel/config`), or a label such as `<string>`.
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, as compilers print it.
    public var description: String { "\(file):\(line):\(column)" }
}

/// A term read from a file, with the position where it and each of its parts start,
/// so that a model decoder can say *which* entry of a file is wrong.
public struct LocatedTerm: Sendable, Hashable {
    /// The term.
    public var term: Term
    /// Where the term starts.
    public var location: SourceLocation
    /// The located parts, in source order: the elements of a list (then the tail of an
    /// improper list), the elements of a tuple, the keys and values of a map
    /// alternating. Empty for atoms, numbers, strings and binaries.
    public var children: [LocatedTerm]

    public init(term: Term, location: SourceLocation, children: [LocatedTerm] = []) {
        self.term = term
        self.location = location
        self.children = children
    }
}
