//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
public import DistillTerm

// MARK: - Encoding

extension BuildSnapshot {
    /// The snapshot as the term stored in `APP.snapshot`:
    ///
    /// ```erlang
    /// {build_snapshot, kv, "0.2.0",
    ///  [{runtime, "6.3.1-1.0.0-9f2c"},
    ///   {modules,
    ///    [{'KV', server, [{vsn, 2}, {fingerprint, "a1b2"}, {references, ['KVLib']},
    ///                     {state, [{table, "[String: Term]"}, {hits, "Int"}]}]},
    ///     {'KVLib', library, [{fingerprint, "c3d4"}, {references, []}]}]}]}.
    /// ```
    public var term: Term {
        .tuple([
            .atom("build_snapshot"), .atom(application), .string(version),
            .list([
                .tuple([.atom("runtime"), .string(runtimeFingerprint)]),
                .tuple([.atom("modules"), .list(modules.map(\.term))]),
            ]),
        ])
    }

    /// Decodes a snapshot read from `file`, with errors that name the file, line and entry.
    public init(located: LocatedTerm, file: String) throws(ReleaseFileError) {
        let decoder = SnapshotDecoder(file: file)
        self = try decoder.snapshot(located)
    }
}

extension ModuleSnapshot {
    /// `{Name, Kind, [{vsn, Vsn}, {fingerprint, F}, {references, [M]}, {state, [{Field, Type}]}]}`.
    public var term: Term {
        var properties: [Term] = []
        if let vsn { properties.append(.tuple([.atom("vsn"), vsn])) }
        properties.append(.tuple([.atom("fingerprint"), .string(fingerprint)]))
        properties.append(.tuple([.atom("references"), .list(references.map(Term.atom))]))
        if let state {
            properties.append(
                .tuple([.atom("state"), .list(state.fields.map { .tuple([.atom($0.name), .string($0.type)]) })])
            )
        }
        return .tuple([.atom(name), .atom(kind.rawValue), .list(properties)])
    }
}

// MARK: - Decoding

/// Decodes snapshot terms, throwing ``ReleaseFileError``s located at the entry at fault.
private struct SnapshotDecoder {
    let file: String

    static let snapshotKeys = ["runtime", "modules"]
    static let moduleKeys = ["vsn", "fingerprint", "references", "state"]

    func error(_ code: ReleaseFileError.Code, _ message: String, at node: LocatedTerm) -> ReleaseFileError {
        ReleaseFileError(code: code, message: message, file: file, location: node.location, entry: node.term)
    }

    func wrongShape(_ role: String, _ expected: String, at node: LocatedTerm) -> ReleaseFileError {
        error(.wrongShape, "\(role) must be \(expected), found \(Self.snippet(node.term))", at: node)
    }

    /// The term on one line, cut short for a message.
    static func snippet(_ term: Term) -> String {
        let text = TermPrinter.printCompact(term)
        return text.unicodeScalars.count <= 60
            ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(57))) + "..."
    }

    func parts(_ node: LocatedTerm) -> [LocatedTerm] {
        let terms: [Term]
        switch node.term {
        case .list(let elements), .tuple(let elements): terms = elements
        case .string: terms = node.term.listElements ?? []
        default: terms = []
        }
        if node.children.count == terms.count { return node.children }
        return terms.map { LocatedTerm(term: $0, location: node.location) }
    }

    func tuple(_ node: LocatedTerm, count: Int, role: String, shape: String) throws(ReleaseFileError) -> [LocatedTerm] {
        guard case .tuple(let elements) = node.term, elements.count == count else {
            throw wrongShape(role, shape, at: node)
        }
        return parts(node)
    }

    func list(_ node: LocatedTerm, role: String) throws(ReleaseFileError) -> [LocatedTerm] {
        guard node.term.listElements != nil else { throw wrongShape(role, "a list", at: node) }
        return parts(node)
    }

    func atom(_ node: LocatedTerm, role: String) throws(ReleaseFileError) -> String {
        guard let name = node.term.atomValue else { throw wrongShape(role, "an atom", at: node) }
        return name
    }

    func string(_ node: LocatedTerm, role: String) throws(ReleaseFileError) -> String {
        guard let text = node.term.stringValue else { throw wrongShape(role, "a string", at: node) }
        return text
    }

    /// The `{Key, Value}` entries of a property list with atom keys from `known`, each once.
    func properties(
        _ node: LocatedTerm,
        role: String,
        known: [String]
    ) throws(ReleaseFileError) -> [String: (entry: LocatedTerm, value: LocatedTerm)] {
        var result: [String: (entry: LocatedTerm, value: LocatedTerm)] = [:]
        for entry in try list(node, role: role) {
            let pair = try tuple(entry, count: 2, role: "an entry of \(role)", shape: "a {Key, Value} tuple")
            let key = try atom(pair[0], role: "the key of an entry of \(role)")
            guard known.contains(key) else {
                let suggestion = Self.closest(to: key, among: known).map { "; did you mean '\($0)'?" } ?? ""
                throw error(.unknownKey, "unknown key '\(key)' in \(role)\(suggestion)", at: entry)
            }
            if let first = result[key] {
                throw error(
                    .duplicateKey,
                    "duplicate key '\(key)' in \(role) (first given at \(first.entry.location.line):"
                        + "\(first.entry.location.column))",
                    at: entry
                )
            }
            result[key] = (entry, pair[1])
        }
        return result
    }

    func snapshot(_ node: LocatedTerm) throws(ReleaseFileError) -> BuildSnapshot {
        let shape = "{build_snapshot, App, Vsn, [{runtime, Fingerprint}, {modules, [Module]}]}"
        let parts = try tuple(node, count: 4, role: "a build snapshot", shape: shape)
        guard parts[0].term == .atom("build_snapshot") else {
            throw wrongShape("the first element of a build snapshot", "the atom 'build_snapshot'", at: parts[0])
        }
        let application = try atom(parts[1], role: "the application of a build snapshot")
        let version = try string(parts[2], role: "the version of application '\(application)'")
        let role = "the snapshot of '\(application)'"
        let properties = try properties(parts[3], role: role, known: Self.snapshotKeys)
        for key in Self.snapshotKeys where properties[key] == nil {
            throw error(.missingKey, "\(role) has no '\(key)'", at: parts[3])
        }
        guard let runtime = properties["runtime"], let modulesNode = properties["modules"] else {
            preconditionFailure("checked above")
        }
        let fingerprint = try string(runtime.value, role: "the runtime fingerprint")
        var modules: [ModuleSnapshot] = []
        var seen: [String: SourceLocation] = [:]
        for moduleNode in try list(modulesNode.value, role: "the modules of '\(application)'") {
            let module = try self.module(moduleNode)
            if let first = seen[module.name] {
                throw error(
                    .duplicateKey,
                    "duplicate module '\(module.name)' (first given at \(first.line):\(first.column))",
                    at: moduleNode
                )
            }
            seen[module.name] = moduleNode.location
            modules.append(module)
        }
        return BuildSnapshot(
            application: application,
            version: version,
            runtimeFingerprint: fingerprint,
            modules: modules
        )
    }

    func module(_ node: LocatedTerm) throws(ReleaseFileError) -> ModuleSnapshot {
        let parts = try tuple(node, count: 3, role: "a module", shape: "a {Name, Kind, [Property]} tuple")
        let name = try atom(parts[0], role: "a module name")
        let kindName = try atom(parts[1], role: "the kind of module '\(name)'")
        guard let kind = ModuleSnapshot.Kind(rawValue: kindName) else {
            let kinds = ModuleSnapshot.Kind.allCases.map(\.rawValue)
            let suggestion = Self.closest(to: kindName, among: kinds).map { "; did you mean '\($0)'?" } ?? ""
            throw error(
                .invalidValue,
                "the kind of module '\(name)' must be server, supervisor or library, found "
                    + "\(kindName)\(suggestion)",
                at: parts[1]
            )
        }
        let role = "module '\(name)'"
        let properties = try properties(parts[2], role: role, known: Self.moduleKeys)
        guard let fingerprintNode = properties["fingerprint"] else {
            throw error(.missingKey, "\(role) has no 'fingerprint'", at: parts[2])
        }
        let fingerprint = try string(fingerprintNode.value, role: "the fingerprint of \(role)")
        var references: [String] = []
        if let node = properties["references"] {
            for reference in try list(node.value, role: "the references of \(role)") {
                references.append(try atom(reference, role: "a module referenced by \(role)"))
            }
        }
        var state: StateShape?
        if let node = properties["state"] {
            guard kind == .server else {
                throw error(.invalidValue, "\(role) is a \(kind.rawValue); only a server has a state", at: node.entry)
            }
            var fields: [StateShape.Field] = []
            for fieldNode in try list(node.value, role: "the state of \(role)") {
                let pair = try tuple(
                    fieldNode,
                    count: 2,
                    role: "a field of \(role)'s state",
                    shape: "a {Field, Type} tuple"
                )
                let field = try atom(pair[0], role: "a field name")
                if fields.contains(where: { $0.name == field }) {
                    throw error(.duplicateKey, "duplicate field '\(field)' in the state of \(role)", at: fieldNode)
                }
                fields.append(
                    StateShape.Field(name: field, type: try string(pair[1], role: "the type of field '\(field)'"))
                )
            }
            state = StateShape(fields: fields)
        }
        return ModuleSnapshot(
            name: name,
            kind: kind,
            vsn: properties["vsn"]?.value.term,
            fingerprint: fingerprint,
            references: references,
            state: state
        )
    }

    /// The candidate within two edits of `word` (and fewer than its length), for "did you mean".
    static func closest(to word: String, among candidates: [String]) -> String? {
        let scalars = Array(word.unicodeScalars)
        return candidates.map { ($0, editDistance(scalars, Array($0.unicodeScalars))) }
            .filter { $0.1 <= 2 && $0.1 < scalars.count }
            .min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 0..<b.count {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i - 1] == b[j] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
