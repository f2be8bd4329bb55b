//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// Replaces `${NAME}` with environment variables in `sys.config` terms and `vm.args`
/// lines, when a release starts (what relx and distillery do with
/// `REPLACE_OS_VARS`).
///
/// The syntax:
/// - `${NAME}`: the variable's value; an error if it is not set. `NAME` is a letter
///   or `_`, then letters, digits and `_`.
/// - `${NAME:-default}`: the value, or `default` if the variable is unset or empty
///   (as in the shell). `default` is taken literally and cannot contain `}`.
/// - `$${`: a literal `${`.
/// - Any other `$` is literal: `$HOME` (without braces) is not substituted, so a `$`
///   in a password or a regular expression stays as written.
///
/// Substitution covers strings, binaries (as UTF-8) and atoms, at any depth,
/// map keys included. It is pure: the environment is a dictionary argument.
public enum VariableSubstitution {
    /// A problem in one piece of text: what, and at which scalar offset it starts.
    struct Problem: Error {
        var code: ReleaseFileError.Code
        var message: String
        var offset: Int
    }

    /// `text` with its variables replaced, or the first problem.
    static func substitute(_ text: String, environment: [String: String]) -> Result<String, Problem> {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains("$") else { return .success(text) }
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$", index + 1 < scalars.count else {
                output.append(scalar)
                index += 1
                continue
            }
            if scalars[index + 1] == "$", index + 2 < scalars.count, scalars[index + 2] == "{" {
                output.append(contentsOf: "${".unicodeScalars)
                index += 3
                continue
            }
            guard scalars[index + 1] == "{" else {
                output.append(scalar)
                index += 1
                continue
            }
            guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                return .failure(Problem(code: .malformedVariable, message: "'${' without a closing '}'", offset: index))
            }
            let body = Array(scalars[(index + 2)..<close])
            var name = body[...]
            var fallback: ArraySlice<Unicode.Scalar>?
            if let colon = body.indices.first(where: { body[$0] == ":" && $0 + 1 < body.count && body[$0 + 1] == "-" })
            {
                name = body[..<colon]
                fallback = body[(colon + 2)...]
            }
            guard isVariableName(name) else {
                return .failure(
                    Problem(
                        code: .malformedVariable,
                        message:
                            "'${\(string(body[...]))}' is not a variable reference: write ${NAME} or ${NAME:-default}",
                        offset: index
                    )
                )
            }
            if let value = environment[string(name)], fallback == nil || !value.isEmpty {
                output.append(contentsOf: value.unicodeScalars)
            } else if let fallback {
                output.append(contentsOf: fallback)
            } else {
                return .failure(
                    Problem(
                        code: .unsetVariable,
                        message: "environment variable '\(string(name))' is not set",
                        offset: index
                    )
                )
            }
            index = close + 1
        }
        return .success(String(output))
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        String(String.UnicodeScalarView(scalars))
    }

    private static func isVariableName(_ name: ArraySlice<Unicode.Scalar>) -> Bool {
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        }
        guard let first = name.first, isLetter(first) else { return false }
        return name.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }

    // MARK: - Terms

    /// `located` with every `${NAME}` in its strings, binaries and atoms replaced.
    ///
    /// An unset variable is an error naming it, at the position of the string (or
    /// atom, or binary) that holds it.
    public static func substitute(
        in located: LocatedTerm,
        environment: [String: String],
        file: String
    ) throws(ReleaseFileError) -> LocatedTerm {
        var result = located
        let children = located.children
        switch located.term {
        case .list(let elements) where children.count == elements.count:
            result.children = try children.map { (child) throws(ReleaseFileError) in
                try substitute(in: child, environment: environment, file: file)
            }
            result.term = .list(result.children.map(\.term))
            return result
        case .improperList(let elements, _) where children.count == elements.count + 1:
            result.children = try children.map { (child) throws(ReleaseFileError) in
                try substitute(in: child, environment: environment, file: file)
            }
            result.term = .list(result.children.dropLast().map(\.term), tail: result.children[elements.count].term)
            return result
        case .tuple(let elements) where children.count == elements.count:
            result.children = try children.map { (child) throws(ReleaseFileError) in
                try substitute(in: child, environment: environment, file: file)
            }
            result.term = .tuple(result.children.map(\.term))
            return result
        case .map(let map) where children.count == 2 * map.count:
            result.children = try children.map { (child) throws(ReleaseFileError) in
                try substitute(in: child, environment: environment, file: file)
            }
            let pairs = stride(from: 0, to: result.children.count, by: 2).map {
                (result.children[$0].term, result.children[$0 + 1].term)
            }
            result.term = .map(TermMap(pairs))
            return result
        default:
            result.term = try substitute(in: located.term, environment: environment) { problem in
                ReleaseFileError(
                    code: problem.code,
                    message: problem.message,
                    file: file,
                    location: located.location,
                    entry: located.term
                )
            }
            return result
        }
    }

    /// `term` with every `${NAME}` replaced; `fail` turns a problem into the error thrown.
    private static func substitute(
        in term: Term,
        environment: [String: String],
        fail: (Problem) -> ReleaseFileError
    ) throws(ReleaseFileError) -> Term {
        func text(_ text: String) throws(ReleaseFileError) -> String {
            switch substitute(text, environment: environment) {
            case .success(let replaced): return replaced
            case .failure(let problem): throw fail(problem)
            }
        }
        func each(_ terms: [Term]) throws(ReleaseFileError) -> [Term] {
            try terms.map { (term) throws(ReleaseFileError) in
                try substitute(in: term, environment: environment, fail: fail)
            }
        }
        switch term {
        case .atom(let name): return .atom(try text(name))
        case .string(let value): return .string(try text(value))
        case .binary(let bytes):
            guard let value = String(validating: bytes, as: UTF8.self) else { return term }
            return .binary(try text(value))
        case .list(let elements):
            if let value = term.stringValue, !elements.isEmpty, value.contains("${") { return .string(try text(value)) }
            return .list(try each(elements))
        case .improperList(let elements, let tail):
            return .list(try each(elements), tail: try substitute(in: tail, environment: environment, fail: fail))
        case .tuple(let elements): return .tuple(try each(elements))
        case .map(let map):
            var pairs: [(Term, Term)] = []
            for entry in map {
                pairs.append(
                    (
                        try substitute(in: entry.key, environment: environment, fail: fail),
                        try substitute(in: entry.value, environment: environment, fail: fail)
                    )
                )
            }
            return .map(TermMap(pairs))
        case .integer, .bigInteger, .float, .pid, .reference: return term
        }
    }

    // MARK: - Lines of text

    /// `text` (a `vm.args` file) with every `${NAME}` replaced.
    ///
    /// An unset variable is an error at its exact line and column.
    public static func substitute(
        inText text: String,
        environment: [String: String],
        file: String
    ) throws(ReleaseFileError) -> String {
        var lines: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            switch substitute(String(line), environment: environment) {
            case .success(let replaced):
                lines.append(replaced)
            case .failure(let problem):
                throw ReleaseFileError(
                    code: problem.code,
                    message: problem.message,
                    file: file,
                    location: SourceLocation(file: file, line: number + 1, column: problem.offset + 1)
                )
            }
        }
        return lines.joined(separator: "\n")
    }
}
