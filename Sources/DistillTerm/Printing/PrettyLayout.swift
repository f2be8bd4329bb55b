//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A port of OTP 25's `io_lib_pretty:print/2` for `~tp` at column 1 without depth or
/// character limits: the same intermediate form (each part's one-line text length), the
/// same choice of indentation (`cind`, trying -1 then 4) and the same layout (`pp`).
/// The function names and parameters follow `io_lib_pretty` so the two can be compared:
/// `column` is `Col`, `lineLength` `Ll`, `maximum` `M`, `tagIndent` `TInd`, `indent`
/// `Ind` (a number of spaces), `lastDepth` `LD` (closing brackets that follow), `width` `W`.
struct PrettyLayout {
    enum Kind {
        /// Text (`is_list(element(1, If))` in `io_lib_pretty`): atoms, numbers, strings,
        /// printable binaries, `[]`, `{}`, `#{}`.
        case leaf
        case list
        case tuple
        /// A tuple of two or more elements whose first is an atom.
        case taggedTuple
        case map
        /// `Key => Value` in a map.
        case pair
        /// A binary printed as numbers (`{bin, S}`), broken over lines by `pp_binary`.
        case binary
    }

    /// One part of the term, in preorder: its children follow it, up to `end`.
    struct Node {
        var kind: Kind
        /// The length of the part's one-line text, in characters (grapheme clusters when
        /// the text goes beyond Latin-1, as `io_lib:chars_length/1` counts).
        var length: Int
        /// The index after the part's last descendant.
        var end: Int
        /// For leaves and binaries, the text in ``PrettyLayout/text``.
        var text: Range<Int>
        /// Whether the last child of a list is the tail of an improper list.
        var hasTail: Bool
    }

    let options: TermPrinter.Options
    var nodes: [Node] = []
    /// The texts of leaves, written by a ``ScalarWriter``.
    var text: ScalarWriter
    var out: [UInt8] = []
    /// `M`: with no `line_max_chars`, the length of the whole term.
    var maximum = 0

    init(options: TermPrinter.Options) {
        self.options = options
        self.text = ScalarWriter(options: options)
    }

    /// `io_lib_pretty:print(Term, [{column, 1}, {line_length, Ll}, {encoding, unicode}])`.
    mutating func print(_ term: Term, into output: inout [UInt8]) {
        swap(&out, &output)
        defer { swap(&out, &output) }
        _ = build(term)
        let root = 0
        maximum = nodes[root].length
        let column = 1
        let lineLength = options.lineLength
        if lineLength == 0 || nodes[root].length < lineLength - column {
            write(root)
            return
        }
        let tagIndent = [-1, 4].first { cind(root, column, lineLength, $0, 0, 0) != nil } ?? 1
        pp(root, column, lineLength, tagIndent, column - 1, 0, 0)
    }

    // MARK: - The intermediate form (print_length)

    /// Appends the nodes of `term`; returns its index.
    private mutating func build(_ term: Term) -> Int {
        switch term {
        case .list(let elements):
            if elements.isEmpty { return leaf { $0.output.append(contentsOf: "[]".utf8) } }
            if let scalars = ScalarWriter.printableText(elements, options.printableRange) {
                return leaf { $0.writeQuoted(scalars, quote: UInt8(ascii: "\"")) }
            }
            return container(.list, elements, tail: nil, opening: 2)
        case .string(let string):
            if string.isEmpty { return leaf { $0.output.append(contentsOf: "[]".utf8) } }
            if ScalarWriter.isPrintable(string.unicodeScalars, options.printableRange) {
                return leaf { $0.writeQuoted(string.unicodeScalars, quote: UInt8(ascii: "\"")) }
            }
            return container(.list, string.unicodeScalars.map { .integer(Int($0.value)) }, tail: nil, opening: 2)
        case .improperList(let elements, let tail):
            return container(.list, elements, tail: tail, opening: 2)
        case .tuple(let elements):
            if elements.isEmpty { return leaf { $0.output.append(contentsOf: "{}".utf8) } }
            let tagged = elements.count > 1 && elements[0].atomValue != nil
            return container(tagged ? .taggedTuple : .tuple, elements, tail: nil, opening: 2)
        case .map(let map):
            if map.isEmpty { return leaf { $0.output.append(contentsOf: "#{}".utf8) } }
            let index = nodes.count
            nodes.append(Node(kind: .map, length: 0, end: 0, text: 0..<0, hasTail: false))
            var length = 3 + map.count - 1
            for entry in map.entries {
                let pair = nodes.count
                nodes.append(Node(kind: .pair, length: 0, end: 0, text: 0..<0, hasTail: false))
                let key = build(entry.key)
                let value = build(entry.value)
                nodes[pair].length = nodes[key].length + 4 + nodes[value].length
                nodes[pair].end = nodes.count
                length += nodes[pair].length
            }
            nodes[index].length = length
            nodes[index].end = nodes.count
            return index
        case .binary(let bytes):
            if !bytes.isEmpty, case .bytes = ScalarWriter.binaryForm(bytes, options.printableRange) {
                let index = leaf { $0.writeBinary(bytes) }
                nodes[index].kind = .binary
                return index
            }
            return leaf { $0.writeBinary(bytes) }
        default:
            return leaf { $0.writeCompact(term) }
        }
    }

    private mutating func leaf(_ body: (inout ScalarWriter) -> Void) -> Int {
        let first = text.output.count
        body(&text)
        let length = Self.charactersLength(text.output[first...])
        nodes.append(
            Node(
                kind: .leaf,
                length: length,
                end: nodes.count + 1,
                text: first..<text.output.count,
                hasTail: false
            )
        )
        return nodes.count - 1
    }

    /// `io_lib:chars_length/1`: the number of characters when all are Latin-1, else the
    /// number of grapheme clusters (`string:length/1`).
    static func charactersLength(_ text: ArraySlice<UInt8>) -> Int {
        var length = 0
        for byte in text {
            // A lead byte from 0xC4 starts a character beyond U+00FF.
            if byte >= 0xC4 { return graphemeClusters(String(decoding: text, as: UTF8.self)) }
            if byte & 0xC0 != 0x80 { length += 1 }
        }
        return length
    }

    /// Grapheme clusters as OTP 25 counts them, with the Unicode 14 database: Swift's
    /// `count`, with characters Unicode 14 did not have counted as the lone characters
    /// they were then. (Swift also joins Indic conjuncts, a rule of Unicode 15.1, where
    /// OTP 25 counts two clusters; that only moves a line break.)
    static func graphemeClusters(_ text: String) -> Int {
        var scalars = String.UnicodeScalarView()
        var replaced = false
        for scalar in text.unicodeScalars {
            if let age = scalar.properties.age, age.major < 14 || (age.major == 14 && age.minor == 0) {
                scalars.append(scalar)
            } else {
                scalars.append("x")
                replaced = true
            }
        }
        return replaced ? String(scalars).count : text.count
    }

    private mutating func container(_ kind: Kind, _ elements: [Term], tail: Term?, opening: Int) -> Int {
        let index = nodes.count
        nodes.append(Node(kind: kind, length: 0, end: 0, text: 0..<0, hasTail: tail != nil))
        var length = opening - 1
        for element in elements { length += 1 + nodes[build(element)].length }
        if let tail { length += 1 + nodes[build(tail)].length }
        nodes[index].length = length
        nodes[index].end = nodes.count
        return index
    }

    // MARK: - Sequences of children

    /// The rest of a node's children, as `io_lib_pretty` walks a list `[E | Es]`: empty,
    /// an element followed by more, or (improper lists) the tail.
    struct Rest {
        var index: Int
        let end: Int
        /// The index of the tail of an improper list, or -1.
        let tail: Int

        var isEmpty: Bool { index == end }
        var isTail: Bool { index == tail }
        /// `[_ | _]`: an element comes next.
        var hasElement: Bool { index != end && index != tail }
    }

    private func children(_ node: Int) -> Rest {
        let end = nodes[node].end
        var tail = -1
        if nodes[node].hasTail {
            var child = node + 1
            while nodes[child].end != end { child = nodes[child].end }
            tail = child
        }
        return Rest(index: node + 1, end: end, tail: tail)
    }

    private func dropFirst(_ rest: Rest) -> Rest {
        Rest(index: nodes[rest.index].end, end: rest.end, tail: rest.tail)
    }

    /// `last_depth(Es, LD)`.
    private func lastDepth(_ rest: Rest, _ lastDepth: Int) -> Int {
        rest.hasElement ? 0 : lastDepth + 1
    }

    private func isLeaf(_ node: Int) -> Bool { nodes[node].kind == .leaf }

    /// Whether a pair's key and value are both leaves.
    private func isLeafPair(_ pair: Int) -> Bool { isLeaf(pair + 1) && isLeaf(nodes[pair + 1].end) }

    /// `Len < Ll - Col - LD, Len + W + LD =< M`: the part fits on the line.
    private func fits(_ node: Int, _ column: Int, _ lineLength: Int, _ lastDepth: Int, _ width: Int) -> Bool {
        let length = nodes[node].length
        return length < lineLength - column - lastDepth && length + width + lastDepth <= maximum
    }

    /// The condition of `pp_tail`, `pp_pairs_tail`, `cind_tail`, `cind_pairs_tail` for
    /// writing the next element on the current line.
    private func fitsAfter(_ length: Int, _ column: Int, _ lineLength: Int, _ lastDepth: Int, _ width: Int) -> Bool {
        let elementLength = 1 + length
        if lastDepth == 0 {
            return elementLength + 1 < lineLength - column && width + elementLength + 1 <= maximum
        }
        return elementLength < lineLength - column - lastDepth && width + elementLength + lastDepth <= maximum
    }

    // MARK: - One line (write)

    private mutating func append(_ string: StaticString) {
        string.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private mutating func newLine(_ indent: Int) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(0, indent)))
    }

    private mutating func write(_ node: Int) {
        let current = nodes[node]
        switch current.kind {
        case .leaf, .binary:
            out.append(contentsOf: text.output[current.text])
        case .list, .tuple, .taggedTuple, .map:
            switch current.kind {
            case .list: append("[")
            case .map: append("#{")
            default: append("{")
            }
            var rest = children(node)
            var first = true
            while !rest.isEmpty {
                if !first { out.append(rest.isTail ? UInt8(ascii: "|") : UInt8(ascii: ",")) }
                first = false
                write(rest.index)
                rest = dropFirst(rest)
            }
            append(current.kind == .list ? "]" : "}")
        case .pair:
            write(node + 1)
            append(" => ")
            write(nodes[node + 1].end)
        }
    }

    // MARK: - Layout (pp)

    private mutating func pp(
        _ node: Int,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) {
        if fits(node, column, lineLength, lastDepth, width) {
            write(node)
            return
        }
        switch nodes[node].kind {
        case .list:
            append("[")
            ppList(
                children(node),
                column + 1,
                lineLength,
                tagIndent,
                indent + 1,
                lastDepth,
                UInt8(ascii: "|"),
                width + 1
            )
            append("]")
        case .taggedTuple:
            append("{")
            ppTagTuple(children(node), column, lineLength, tagIndent, indent, lastDepth, width + 1)
            append("}")
        case .tuple:
            append("{")
            ppList(
                children(node),
                column + 1,
                lineLength,
                tagIndent,
                indent + 1,
                lastDepth,
                UInt8(ascii: ","),
                width + 1
            )
            append("}")
        case .map:
            append("#{")
            ppMap(children(node), column + 2, lineLength, tagIndent, indent + 2, lastDepth, width + 1)
            append("}")
        case .binary:
            ppBinary(node, column + 2, lineLength, indent + 2, lastDepth, width)
        case .leaf, .pair:
            write(node)
        }
    }

    private mutating func ppTagTuple(
        _ elements: Rest,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) {
        let tag = elements.index
        let tagLength = nodes[tag].length
        let tagColumnIndent = tagLength + 2
        let tagColumn = column + tagColumnIndent
        write(tag)
        if tagIndent > 0 && tagColumnIndent > tagIndent {
            ppTail(
                dropFirst(elements),
                column + tagIndent,
                tagColumn,
                lineLength,
                tagIndent,
                indent + tagIndent,
                lastDepth,
                UInt8(ascii: ","),
                width + tagLength
            )
        } else {
            append(",")
            ppList(
                dropFirst(elements),
                tagColumn,
                lineLength,
                tagIndent,
                indent + tagColumnIndent,
                lastDepth,
                UInt8(ascii: ","),
                width + tagLength + 1
            )
        }
    }

    private mutating func ppMap(
        _ pairs: Rest,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) {
        guard !pairs.isEmpty else { return }
        let rest = dropFirst(pairs)
        let pairWidth = ppPair(
            pairs.index,
            column,
            lineLength,
            tagIndent,
            indent,
            self.lastDepth(rest, lastDepth),
            width
        )
        ppPairsTail(rest, column, column + pairWidth, lineLength, tagIndent, indent, lastDepth, pairWidth)
    }

    private mutating func ppPairsTail(
        _ pairs: Rest,
        _ column0: Int,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) {
        var pairs = pairs
        var column = column
        var width = width
        while !pairs.isEmpty {
            let pair = pairs.index
            let rest = dropFirst(pairs)
            let depth = self.lastDepth(rest, lastDepth)
            let elementLength = 1 + nodes[pair].length
            if fitsAfter(nodes[pair].length, column, lineLength, depth, width) && isLeafPair(pair) {
                append(",")
                write(pair)
                column += elementLength
                width += elementLength
            } else {
                append(",")
                newLine(indent)
                let pairWidth = ppPair(pair, column0, lineLength, tagIndent, indent, depth, 0)
                column = column0 + pairWidth
                width = pairWidth
            }
            pairs = rest
        }
    }

    private mutating func ppPair(
        _ pair: Int,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int {
        if fits(pair, column, lineLength, lastDepth, width) {
            write(pair)
            return isLeafPair(pair) ? nodes[pair].length : lineLength
        }
        let valueIndent = tagIndent > 0 ? tagIndent : 4
        pp(pair + 1, column, lineLength, tagIndent, indent, lastDepth, width)
        append(" =>")
        newLine(indent + valueIndent)
        pp(nodes[pair + 1].end, column + valueIndent, lineLength, tagIndent, indent + valueIndent, lastDepth, 0)
        return lineLength
    }

    private mutating func ppList(
        _ elements: Rest,
        _ column0: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ separator: UInt8,
        _ width: Int
    ) {
        let rest = dropFirst(elements)
        let elementWidth = ppElement(
            elements.index,
            column0,
            lineLength,
            tagIndent,
            indent,
            self.lastDepth(rest, lastDepth),
            width
        )
        ppTail(
            rest,
            column0,
            column0 + elementWidth,
            lineLength,
            tagIndent,
            indent,
            lastDepth,
            separator,
            width + elementWidth
        )
    }

    private mutating func ppTail(
        _ elements: Rest,
        _ column0: Int,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ separator: UInt8,
        _ width: Int
    ) {
        var elements = elements
        var column = column
        var width = width
        while elements.hasElement {
            let element = elements.index
            let rest = dropFirst(elements)
            let depth = self.lastDepth(rest, lastDepth)
            let elementLength = 1 + nodes[element].length
            append(",")
            if fitsAfter(nodes[element].length, column, lineLength, depth, width) && isLeaf(element) {
                write(element)
                column += elementLength
                width += elementLength
            } else {
                newLine(indent)
                let elementWidth = ppElement(element, column0, lineLength, tagIndent, indent, depth, 0)
                column = column0 + elementWidth
                width = elementWidth
            }
            elements = rest
        }
        guard elements.isTail else { return }
        let tail = elements.index
        let length = nodes[tail].length
        out.append(separator)
        if length + 1 < lineLength - column - (lastDepth + 1) && length + 1 + width + (lastDepth + 1) <= maximum
            && isLeaf(tail)
        {
            write(tail)
        } else {
            newLine(indent)
            pp(tail, column0, lineLength, tagIndent, indent, lastDepth + 1, 0)
        }
    }

    private mutating func ppElement(
        _ element: Int,
        _ column: Int,
        _ lineLength: Int,
        _ tagIndent: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int {
        if fits(element, column, lineLength, lastDepth, width) && isLeaf(element) {
            write(element)
            return nodes[element].length
        }
        pp(element, column, lineLength, tagIndent, indent, lastDepth, width)
        return lineLength
    }

    /// `pp_binary`: the numbers of a binary, as many on a line as fit.
    private mutating func ppBinary(
        _ node: Int,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) {
        let limit = max(8, min(lineLength - column, maximum - 4 - width) - lastDepth)
        let range = nodes[node].text
        // The text is `<<1,2,3>>`: split the numbers between `<<` and `>>`.
        let numbers = text.output[(range.lowerBound + 2)..<(range.upperBound - 2)].split(separator: UInt8(ascii: ","))
        append("<<")
        var room = limit
        for (index, number) in numbers.enumerated() {
            let isLast = index == numbers.count - 1
            if isLast {
                if number.count > room { newLine(indent) }
                out.append(contentsOf: number)
            } else {
                let length = number.count + 1
                if room - length < 0 {
                    newLine(indent)
                    out.append(contentsOf: number)
                    out.append(UInt8(ascii: ","))
                    room = limit - length
                } else {
                    out.append(contentsOf: number)
                    out.append(UInt8(ascii: ","))
                    room -= length
                }
            }
        }
        append(">>")
    }

    // MARK: - Choosing the tag indentation (cind)

    /// `cind`: `indent` if the layout with this tag indentation stays within bounds, `nil`
    /// (Erlang's `throw(no_good)`) if a tagged tuple would start too far right.
    private func cind(
        _ node: Int,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        if fits(node, column, lineLength, lastDepth, width) { return indent }
        switch nodes[node].kind {
        case .list, .tuple:
            return cindList(children(node), column + 1, lineLength, indent, lastDepth, width + 1)
        case .taggedTuple:
            return cindTagTuple(children(node), column, lineLength, indent, lastDepth, width + 1)
        case .map:
            return cindMap(children(node), column + 2, lineLength, indent, lastDepth, width + 2)
        case .leaf, .binary, .pair:
            return indent
        }
    }

    private func cindTagTuple(
        _ elements: Rest,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        let tagLength = nodes[elements.index].length
        let tagColumnIndent = tagLength + 2
        let tagColumn = column + tagColumnIndent
        if indent > 0 && tagColumnIndent > indent {
            let column1 = column + indent
            guard maximum + column1 <= lineLength || column1 <= lineLength / 2 else { return nil }
            return cindTail(dropFirst(elements), column1, tagColumn, lineLength, indent, lastDepth, width + tagLength)
        }
        guard maximum + tagColumn < lineLength || tagColumn < lineLength / 2 else { return nil }
        return cindList(dropFirst(elements), tagColumn, lineLength, indent, lastDepth, width + tagLength + 1)
    }

    private func cindMap(
        _ pairs: Rest,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        guard !pairs.isEmpty else { return indent }
        let rest = dropFirst(pairs)
        guard let pairWidth = cindPair(pairs.index, column, lineLength, indent, self.lastDepth(rest, lastDepth), width)
        else { return nil }
        return cindPairsTail(rest, column, column + pairWidth, lineLength, indent, lastDepth, width + pairWidth)
    }

    private func cindPairsTail(
        _ pairs: Rest,
        _ column0: Int,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        var pairs = pairs
        var column = column
        var width = width
        while !pairs.isEmpty {
            let pair = pairs.index
            let rest = dropFirst(pairs)
            let depth = self.lastDepth(rest, lastDepth)
            if fitsAfter(nodes[pair].length, column, lineLength, depth, width) && isLeafPair(pair) {
                column += 1 + nodes[pair].length
                width += 1 + nodes[pair].length
            } else {
                guard let pairWidth = cindPair(pair, column0, lineLength, indent, depth, 0) else { return nil }
                column = column0 + pairWidth
                width = pairWidth
            }
            pairs = rest
        }
        return indent
    }

    private func cindPair(
        _ pair: Int,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        if fits(pair, column, lineLength, lastDepth, width) {
            return isLeafPair(pair) ? nodes[pair].length : lineLength
        }
        guard cind(pair + 1, column, lineLength, indent, lastDepth, width) != nil else { return nil }
        let valueIndent = indent > 0 ? indent : 4
        guard cind(nodes[pair + 1].end, column + valueIndent, lineLength, indent, lastDepth, 0) != nil else {
            return nil
        }
        return lineLength
    }

    private func cindList(
        _ elements: Rest,
        _ column0: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        let rest = dropFirst(elements)
        guard
            let elementWidth = cindElement(
                elements.index,
                column0,
                lineLength,
                indent,
                self.lastDepth(rest, lastDepth),
                width
            )
        else { return nil }
        return cindTail(rest, column0, column0 + elementWidth, lineLength, indent, lastDepth, width + elementWidth)
    }

    private func cindTail(
        _ elements: Rest,
        _ column0: Int,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        var elements = elements
        var column = column
        var width = width
        while elements.hasElement {
            let element = elements.index
            let rest = dropFirst(elements)
            let depth = self.lastDepth(rest, lastDepth)
            if fitsAfter(nodes[element].length, column, lineLength, depth, width) && isLeaf(element) {
                column += 1 + nodes[element].length
                width += 1 + nodes[element].length
            } else {
                guard let elementWidth = cindElement(element, column0, lineLength, indent, depth, 0) else {
                    return nil
                }
                column = column0 + elementWidth
                width = elementWidth
            }
            elements = rest
        }
        guard elements.isTail else { return indent }
        let tail = elements.index
        let length = nodes[tail].length
        if length + 1 < lineLength - column - (lastDepth + 1) && length + 1 + width + (lastDepth + 1) <= maximum
            && isLeaf(tail)
        {
            return indent
        }
        return cind(tail, column, lineLength, indent, lastDepth + 1, 0)
    }

    private func cindElement(
        _ element: Int,
        _ column: Int,
        _ lineLength: Int,
        _ indent: Int,
        _ lastDepth: Int,
        _ width: Int
    ) -> Int? {
        if fits(element, column, lineLength, lastDepth, width) && isLeaf(element) {
            return nodes[element].length
        }
        guard cind(element, column, lineLength, indent, lastDepth, width) != nil else { return nil }
        return lineLength
    }
}
