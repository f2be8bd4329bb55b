//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// Collects the problems found while one file is decoded.
///
/// Decoders throw a ``ReleaseFileError`` for a problem they cannot step over; where an
/// entry can be skipped (one instruction of a list, one key of a property list), they
/// run it through ``attempt(_:)``, which records the error and goes on. The public
/// initialisers throw the first error; ``ReleaseFileChecker`` reports them all.
final class DecodingContext {
    /// The file as the user named it.
    let file: String
    /// Every error and warning so far, in the order found.
    private(set) var problems: [ReleaseFileError] = []

    init(file: String) {
        self.file = file
    }

    /// The first error recorded, if any.
    var firstError: ReleaseFileError? { problems.first { $0.severity == .error } }

    func record(_ problem: ReleaseFileError) {
        problems.append(problem)
    }

    /// Runs `body`; if it throws, records the error and returns `nil`.
    func attempt<T>(_ body: () throws(ReleaseFileError) -> T) -> T? {
        do {
            return try body()
        } catch {
            record(error)
            return nil
        }
    }

    /// `value`, or the first error recorded while it was decoded.
    func finish<T>(_ value: T?) throws(ReleaseFileError) -> T {
        if let firstError { throw firstError }
        guard let value else { preconditionFailure("a decoder returned nothing without recording an error") }
        return value
    }

    /// Decodes `located` with `decode` and returns the value or throws the first error.
    static func decode<T>(
        _ located: LocatedTerm,
        file: String,
        _ decode: (Node) throws(ReleaseFileError) -> T
    ) throws(ReleaseFileError) -> T {
        let context = DecodingContext(file: file)
        let value = context.attempt { () throws(ReleaseFileError) -> T in try decode(Node(located, context)) }
        return try context.finish(value)
    }
}

/// A located term under decoding: its term, its position, and the context that
/// collects problems.
struct Node {
    let located: LocatedTerm
    let context: DecodingContext

    init(_ located: LocatedTerm, _ context: DecodingContext) {
        self.located = located
        self.context = context
    }

    var term: Term { located.term }
    var location: SourceLocation { located.location }
    /// The term, printed compactly for a message.
    var snippet: String { TermSnippet.compact(term) }

    /// An error located at this node, quoting it as the entry at fault.
    func error(_ code: ReleaseFileError.Code, _ message: String) -> ReleaseFileError {
        ReleaseFileError(code: code, message: message, file: context.file, location: location, entry: term)
    }

    /// `"duplicate <what> (first given at L:C)"`, located at this (second) node.
    func duplicate(_ what: String, first: SourceLocation) -> ReleaseFileError {
        error(.duplicateKey, "duplicate \(what) (first given at \(first.line):\(first.column))")
    }

    /// Records a warning located at this node.
    func warn(_ code: ReleaseFileError.Code, _ message: String) {
        context.record(
            ReleaseFileError(
                code: code,
                message: message,
                file: context.file,
                location: location,
                entry: term,
                severity: .warning
            )
        )
    }

    /// `"<role> must be <expected>, found <term>"`.
    func wrongShape(_ role: String, _ expected: String) -> ReleaseFileError {
        error(.wrongShape, "\(role) must be \(expected), found \(snippet)")
    }

    /// The nodes of this term's parts (list elements then an improper tail, tuple
    /// elements), located where the parser put them, or at this node for parts it does
    /// not locate (the characters of a string).
    var parts: [Node] {
        let terms: [Term]
        switch term {
        case .list(let elements), .tuple(let elements): terms = elements
        case .improperList(let elements, let tail): terms = elements + [tail]
        case .string: terms = term.listElements ?? []
        default: terms = []
        }
        if located.children.count == terms.count {
            return located.children.map { Node($0, context) }
        }
        return terms.map { Node(LocatedTerm(term: $0, location: location), context) }
    }

    // MARK: - Expecting a shape

    func atom(_ role: String) throws(ReleaseFileError) -> String {
        guard let name = term.atomValue else { throw wrongShape(role, "an atom") }
        return name
    }

    func string(_ role: String) throws(ReleaseFileError) -> String {
        guard let text = term.stringValue else { throw wrongShape(role, "a string") }
        return text
    }

    func boolean(_ role: String) throws(ReleaseFileError) -> Bool {
        guard let value = term.boolValue else { throw wrongShape(role, "true or false") }
        return value
    }

    /// A proper list's elements.
    func list(_ role: String) throws(ReleaseFileError) -> [Node] {
        guard term.listElements != nil else { throw wrongShape(role, "a list") }
        return parts
    }

    /// A proper list's elements, each decoded by `decode` on its own: an element that fails is
    /// recorded and left out, so that one reading reports every bad element.
    func eachElement<T>(
        _ role: String,
        _ decode: (Node) throws(ReleaseFileError) -> T
    ) throws(ReleaseFileError) -> [T] {
        try list(role).compactMap { element in
            context.attempt { () throws(ReleaseFileError) -> T in try decode(element) }
        }
    }

    func tuple(_ role: String, shape: String = "a tuple") throws(ReleaseFileError) -> [Node] {
        guard case .tuple = term else { throw wrongShape(role, shape) }
        return parts
    }

    /// A tuple of exactly `count` elements; `shape` spells it for the message (`{Name, Vsn}`).
    func tuple(_ role: String, count: Int, shape: String) throws(ReleaseFileError) -> [Node] {
        guard case .tuple(let elements) = term, elements.count == count else { throw wrongShape(role, shape) }
        return parts
    }

    /// A list whose every element is an atom.
    func atomList(_ role: String, element: String) throws(ReleaseFileError) -> [String] {
        var names: [String] = []
        for node in try list(role) { names.append(try node.atom(element)) }
        return names
    }

    /// A list whose every element is a string.
    func stringList(_ role: String, element: String) throws(ReleaseFileError) -> [String] {
        var texts: [String] = []
        for node in try list(role) { texts.append(try node.string(element)) }
        return texts
    }

    /// An integer greater than zero that fits in `Int`.
    func positiveInteger(_ role: String) throws(ReleaseFileError) -> Int {
        guard let value = term.intValue, value > 0 else { throw wrongShape(role, "an integer greater than 0") }
        return value
    }

    /// One of the atoms `allowed`: `"<role> must be a or b, found c; did you mean 'a'?"`.
    func oneOf<T: RawRepresentable & CaseIterable>(_ role: String, _: T.Type) throws(ReleaseFileError) -> T
    where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        if let name = term.atomValue, let value = T(rawValue: name) { return value }
        let suggestion = term.atomValue.map { Suggestion.didYouMean($0, among: names) } ?? ""
        throw error(.invalidValue, "\(role) must be \(Self.alternatives(names)), found \(snippet)\(suggestion)")
    }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }
}
