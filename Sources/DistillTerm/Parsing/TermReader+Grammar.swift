//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Terms (the term subset of erl_parse, then erl_parse:normalise/1)

extension TermReader {
    /// Every `Term.` of the text.
    mutating func readAll() throws(TermParseError) -> [Node] {
        var nodes: [Node] = []
        try advance()
        while kind != .end {
            nodes.append(try parseTerm())
            try expectDot()
        }
        return nodes
    }

    /// The one term of the text, with or without a final dot.
    mutating func readOne() throws(TermParseError) -> Node {
        try advance()
        let node = try parseTerm()
        if kind == .dot { try advance() }
        guard kind == .end else {
            throw error(.unexpectedToken, "expected the end of input after the term, found \(tokenText)", at: start)
        }
        return node
    }

    private mutating func expectDot() throws(TermParseError) {
        switch kind {
        case .dot:
            try advance()
        case .end:
            throw error(.missingDot, "expected '.' after the term, found end of input", at: start)
        case .symbol where bytes[start.offset] == UInt8(ascii: ".") && position == start.offset + 1:
            throw error(
                .missingDot,
                "expected white space, a comment or the end of input after the '.' ending a term",
                at: Mark(offset: position, line: start.line, lineStart: start.lineStart)
            )
        case .closeBrace, .closeBracket, .closeParen, .closeBinary:
            throw error(
                .unbalancedBracket,
                "unexpected \(tokenText) after a complete term: no bracket is open",
                at: start
            )
        case .comma:
            throw error(.notATerm, "expected '.' after the term, found ','; a file holds one term per '.'", at: start)
        case .mapArrow:
            throw error(
                .misplacedMapArrow,
                "expected '.' after the term, found '=>'; '=>' is only allowed inside a map '#{...}'",
                at: start
            )
        default:
            throw error(.missingDot, "expected '.' after the term, found \(tokenText)", at: start)
        }
    }

    /// The term starting at the current token; on return the current token is the one after it.
    ///
    /// Brackets are kept on a stack (``open``) rather than the call stack, so deep
    /// nesting costs heap, not stack; only binaries recurse, through their segments.
    mutating func parseTerm() throws(TermParseError) -> Node {
        let floor = open.count
        var node: Node
        reading: while true {
            // A term starts: read it whole, or open a bracket and read its first part.
            let first = start
            switch kind {
            case .atom:
                node = Node.leaf(.atom(text), at: nodeLocation(first))
                try advance()
            case .integer:
                node = Node.leaf(integerTerm(), at: nodeLocation(first))
                try advance()
            case .char:
                node = Node.leaf(.integer(integer), at: nodeLocation(first))
                try advance()
            case .float:
                node = Node.leaf(.float(float), at: nodeLocation(first))
                try advance()
            case .string:
                node = Node.leaf(.string(try parseStrings()), at: nodeLocation(first))
            case .openBracket:
                try push(.list, first)
                try advance()
                guard kind == .closeBracket else { continue reading }
                _ = close()
                try advance()
                node = Node.list([], tail: nil, at: nodeLocation(first))
            case .openBrace:
                try push(.tuple, first)
                try advance()
                guard kind == .closeBrace else { continue reading }
                _ = close()
                try advance()
                node = Node.tuple([], at: nodeLocation(first))
            case .hash:
                try advance()
                guard kind == .openBrace else {
                    if kind == .atom {
                        throw error(
                            .notATerm,
                            "expected '{' after '#', found \(tokenText); records are not terms",
                            at: start
                        )
                    }
                    throw unexpected("expected '{' after '#', found", opened: first, "map", closer: .closeBrace)
                }
                try push(.mapKey, first)
                try advance()
                guard kind == .closeBrace else { continue reading }
                _ = close()
                try advance()
                try refuseMapUpdate()
                node = Node.map([], at: nodeLocation(first))
            case .openParen:
                try advance()
                try push(.parenthesis, first)
                continue reading
            case .openBinary:
                let bits = try parseBinary()
                guard bits.count % 8 == 0 else {
                    throw error(
                        .unsupportedTerm,
                        "bit string of \(bits.count) bits: a term holds binaries of whole bytes only, not bit strings",
                        at: first
                    )
                }
                node = Node.leaf(.binary(bits.bytes), at: nodeLocation(first))
            case .minus, .plus:
                node = Node.leaf(try parseSignedNumber(), at: nodeLocation(first))
            default:
                throw notATerm()
            }
            // The term is complete: give it to the open brackets, closing those it completes.
            while open.count > floor {
                let bracket = open[open.count - 1]
                switch bracket.kind {
                case .list:
                    pending.append(node)
                    switch kind {
                    case .comma:
                        try advance()
                        continue reading
                    case .bar:
                        try advance()
                        open[open.count - 1].kind = .listTail
                        continue reading
                    case .closeBracket:
                        try advance()
                        node = Node.list(close(), tail: nil, at: nodeLocation(bracket.opening))
                    default:
                        throw unexpected(
                            "expected ',', '|' or ']' after a list element, found",
                            opened: bracket.opening,
                            "list",
                            closer: .closeBracket
                        )
                    }
                case .listTail:
                    guard kind == .closeBracket else {
                        throw unexpected(
                            "expected ']' after the tail of a list, found",
                            opened: bracket.opening,
                            "list",
                            closer: .closeBracket
                        )
                    }
                    try advance()
                    node = Node.list(close(), tail: node, at: nodeLocation(bracket.opening))
                case .tuple:
                    pending.append(node)
                    if kind == .comma {
                        try advance()
                        continue reading
                    }
                    guard kind == .closeBrace else {
                        throw unexpected(
                            "expected ',' or '}' after a tuple element, found",
                            opened: bracket.opening,
                            "tuple",
                            closer: .closeBrace
                        )
                    }
                    try advance()
                    node = Node.tuple(close(), at: nodeLocation(bracket.opening))
                case .mapKey:
                    pending.append(node)
                    if kind == .exactArrow {
                        throw error(
                            .exactMapAssociation,
                            "':=' cannot build a map: it only updates an existing key; write 'Key => Value'",
                            at: start
                        )
                    }
                    guard kind == .mapArrow else {
                        throw unexpected(
                            "expected '=>' after a map key, found",
                            opened: bracket.opening,
                            "map",
                            closer: .closeBrace
                        )
                    }
                    try advance()
                    open[open.count - 1].kind = .mapValue
                    continue reading
                case .mapValue:
                    pending.append(node)
                    if kind == .comma {
                        try advance()
                        open[open.count - 1].kind = .mapKey
                        continue reading
                    }
                    guard kind == .closeBrace else {
                        throw unexpected(
                            "expected ',' or '}' after a map value, found",
                            opened: bracket.opening,
                            "map",
                            closer: .closeBrace
                        )
                    }
                    try advance()
                    try refuseMapUpdate()
                    node = Node.map(close(), at: nodeLocation(bracket.opening))
                case .parenthesis:
                    guard kind == .closeParen else {
                        throw unexpected(
                            "expected ')' after the parenthesised term, found",
                            opened: bracket.opening,
                            "parenthesis",
                            closer: .closeParen
                        )
                    }
                    try advance()
                    _ = close()
                    node = node.parenthesised(at: nodeLocation(bracket.opening))
                }
            }
            return node
        }
    }

    /// Opens a bracket whose parts follow.
    private mutating func push(_ kind: OpenBracket.Kind, _ opening: Mark) throws(TermParseError) {
        try enter(opening)
        open.append(OpenBracket(kind: kind, opening: opening, base: pending.count))
    }

    /// Closes the innermost bracket: its parts.
    private mutating func close() -> [Node] {
        let bracket = open.removeLast()
        let parts = Array(pending[bracket.base...])
        pending.removeSubrange(bracket.base...)
        depth -= 1
        return parts
    }

    /// `#{...}#{...}` updates a map: an expression, not a term.
    private mutating func refuseMapUpdate() throws(TermParseError) {
        if kind == .hash {
            throw error(.notATerm, "expected a term, found a map update '#{...}#{...}'", at: start)
        }
    }

    /// The current integer token as a term.
    private func integerTerm() -> Term {
        if let bigInteger { return .integer(bigInteger) }
        return .integer(integer)
    }

    /// Adjacent strings, concatenated.
    mutating func parseStrings() throws(TermParseError) -> String {
        var result = text
        try advance()
        while kind == .string {
            result += text
            try advance()
        }
        return result
    }

    /// The error for a token that cannot start a term.
    private mutating func notATerm() -> TermParseError {
        switch kind {
        case .end:
            return error(.unexpectedEnd, "expected a term, found end of input", at: start)
        case .variable:
            return error(
                .notATerm,
                "expected a term, found variable \(tokenText); a term has no variables (quote an atom: '\(text)')",
                at: start
            )
        case .reservedWord where text == "fun":
            return funError()
        case .reservedWord:
            return error(
                .reservedWord,
                "expected a term, found reserved word \(tokenText); write it quoted to mean the atom",
                at: start
            )
        case .closeBrace, .closeBracket, .closeParen, .closeBinary:
            return error(.unexpectedToken, "expected a term, found \(tokenText)", at: start)
        case .mapArrow:
            return error(
                .misplacedMapArrow,
                "expected a term, found '=>'; '=>' only separates a key and value in '#{...}'",
                at: start
            )
        case .dot, .symbol:
            if bytes[start.offset] == UInt8(ascii: "."), Self.isDigit(byte(at: start.offset + 1)) {
                return error(.invalidNumber, "a float needs digits before its '.': write '0.5', not '.5'", at: start)
            }
            return error(.unexpectedToken, "expected a term, found \(tokenText)", at: start)
        default:
            return error(.unexpectedToken, "expected a term, found \(tokenText)", at: start)
        }
    }

    /// `fun M:F/A` is a term Erlang reads (an external fun) but ``Term`` cannot hold;
    /// any other `fun` is an expression.
    private mutating func funError() -> TermParseError {
        let funMark = start
        var probe = self
        var text = "fun "
        var external = true
        for expected: TokenKind in [.atom, .colon, .atom, .slash, .integer] where external {
            do throws(TermParseError) { try probe.advance() } catch { return error }
            external = probe.kind == expected && probe.bigInteger == nil
            switch probe.kind {
            case .atom: text += TermPrinter.printCompact(.atom(probe.text))
            case .integer: text += String(probe.integer)
            default: text += expected == .colon ? ":" : "/"
            }
        }
        if external {
            return error(
                .unsupportedTerm,
                "'\(text)' is an external fun, which Erlang reads but a term here cannot hold",
                at: funMark
            )
        }
        return error(.notATerm, "expected a term, found a 'fun' expression", at: funMark)
    }

    /// `-5`, `- 5`, `+5`, `-(5)`, `-$a`, `-1.5`: `erl_parse:normalise` applies a sign
    /// to a number or character literal only.
    private mutating func parseSignedNumber() throws(TermParseError) -> Term {
        let negative = kind == .minus
        try advance()
        var parentheses: [Mark] = []
        while kind == .openParen {
            parentheses.append(start)
            try enter(start)
            try advance()
        }
        let value: Term
        switch kind {
        case .integer:
            let term = integerTerm()
            value = negative ? Self.negate(term) : term
        case .char:
            value = .integer(negative ? -integer : integer)
        case .float:
            value = .float(negative ? -float : float)
        case .end:
            throw error(
                .unexpectedEnd,
                "expected a number after '\(negative ? "-" : "+")', found end of input",
                at: start
            )
        default:
            throw error(
                .notATerm,
                "expected a number after '\(negative ? "-" : "+")', found \(tokenText); a sign applies to a number only",
                at: start
            )
        }
        try advance()
        for opening in parentheses.reversed() {
            try expect(
                .closeParen,
                "expected ')' after the parenthesised number, found",
                opened: opening,
                "parenthesis"
            )
            depth -= 1
        }
        return value
    }

    static func negate(_ term: Term) -> Term {
        switch term {
        case .integer(let value) where value != .min:
            return .integer(-value)
        default:
            guard let big = term.integerValue else { return term }
            return .integer(BigInteger(isNegative: !big.isNegative, littleEndianMagnitude: big.littleEndianMagnitude))
        }
    }

    // MARK: Brackets

    /// Counts one more level of nesting, refusing text nested too deeply.
    mutating func enter(_ opening: Mark) throws(TermParseError) {
        depth += 1
        guard depth <= TermParser.maximumNestingDepth else {
            throw error(
                .nestingTooDeep,
                "brackets nest deeper than \(TermParser.maximumNestingDepth) levels",
                at: opening
            )
        }
    }

    /// Consumes a token of `expected` kind, or explains what is wrong with the current one.
    mutating func expect(
        _ expected: TokenKind,
        _ message: String,
        opened opening: Mark,
        _ construct: String
    ) throws(TermParseError) {
        guard kind == expected else { throw unexpected(message, opened: opening, construct, closer: expected) }
        try advance()
    }

    /// The error for an unexpected token inside a bracket opened at `opening` and closed
    /// by `closer`: `message` ends with "found" and is followed by the token.
    mutating func unexpected(
        _ message: String,
        opened opening: Mark,
        _ construct: String,
        closer: TokenKind
    ) -> TermParseError {
        switch kind {
        case .end:
            let openedAt = location(opening)
            return error(
                .unexpectedEnd,
                "\(message) end of input; the \(construct) opened at \(openedAt.line):\(openedAt.column) is not closed",
                at: start
            )
        case .closeBrace, .closeBracket, .closeParen, .closeBinary:
            if kind == closer { return error(.unexpectedToken, "\(message) \(tokenText)", at: start) }
            let openedAt = location(opening)
            return error(
                .unbalancedBracket,
                "\(message) \(tokenText), which does not close the \(construct) opened at \(openedAt.line):\(openedAt.column)",
                at: start
            )
        case .mapArrow:
            return error(.misplacedMapArrow, "\(message) '=>'; '=>' is only allowed inside a map '#{...}'", at: start)
        case .dot:
            let openedAt = location(opening)
            return error(
                .unexpectedToken,
                "\(message) '.'; the \(construct) opened at \(openedAt.line):\(openedAt.column) is not closed",
                at: start
            )
        default:
            return error(.unexpectedToken, "\(message) \(tokenText)", at: start)
        }
    }
}
