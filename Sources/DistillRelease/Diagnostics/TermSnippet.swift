//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// Short Erlang spellings of terms for error messages: `{load_modul, kv_server}`.
///
/// Like `io_lib:format("~P", [Term, Depth])`, deep or long terms are cut off with
/// `...`, so a message quoting a 500-module list stays one readable line. The output
/// is for people; files are written by `TermPrinter`.
enum TermSnippet {
    /// How many levels of lists, tuples and maps are shown.
    static let maximumDepth = 4
    /// How many elements of one list, tuple or map are shown.
    static let maximumElements = 8
    /// How many characters of one string, atom or binary are shown.
    static let maximumText = 48

    /// The term in Erlang syntax, cut off where it is deep or long.
    static func compact(_ term: Term) -> String {
        var output = ""
        write(term, depth: 0, to: &output)
        return output
    }

    /// An atom as Erlang writes it, quoted when it has to be: `kv`, `'Elixir.KV'`.
    static func atom(_ name: String) -> String {
        isBareAtom(name) ? name : "'" + escaped(name, quote: "'") + "'"
    }

    private static func write(_ term: Term, depth: Int, to output: inout String) {
        switch term {
        case .atom(let name):
            output += atom(truncated(name))
        case .integer(let value):
            output += String(value)
        case .bigInteger(let value):
            output += String(describing: value)
        case .float(let value):
            let text = String(describing: value)
            output += text.contains(where: { $0 == "." || $0 == "e" || $0 == "n" || $0 == "i" }) ? text : text + ".0"
        case .string(let text):
            output += "\"" + escaped(truncated(text), quote: "\"") + "\""
        case .binary(let bytes):
            if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy(isPrintable) {
                output += "<<\"" + escaped(truncated(text), quote: "\"") + "\">>"
            } else {
                let shown = bytes.prefix(maximumElements).map(String.init)
                output += "<<" + shown.joined(separator: ",") + (bytes.count > maximumElements ? ",...>>" : ">>")
            }
        case .list(let elements):
            if !elements.isEmpty, let text = term.stringValue, text.unicodeScalars.allSatisfy(isPrintable) {
                output += "\"" + escaped(truncated(text), quote: "\"") + "\""
            } else {
                sequence(elements, tail: nil, open: "[", close: "]", depth: depth, to: &output)
            }
        case .improperList(let elements, let tail):
            sequence(elements, tail: tail, open: "[", close: "]", depth: depth, to: &output)
        case .tuple(let elements):
            sequence(elements, tail: nil, open: "{", close: "}", depth: depth, to: &output)
        case .map(let map):
            guard depth < maximumDepth else {
                output += "#{...}"
                return
            }
            output += "#{"
            for (index, entry) in map.enumerated() {
                if index == maximumElements {
                    output += ", ..."
                    break
                }
                if index > 0 { output += ", " }
                write(entry.key, depth: depth + 1, to: &output)
                output += " => "
                write(entry.value, depth: depth + 1, to: &output)
            }
            output += "}"
        case .pid(let pid):
            output += "<\(pid.node).\(pid.id).\(pid.serial)>"
        case .reference(let reference):
            output += "#Ref<\(reference.node).\(reference.ids.map(String.init).joined(separator: "."))>"
        }
    }

    private static func sequence(
        _ elements: [Term],
        tail: Term?,
        open: String,
        close: String,
        depth: Int,
        to output: inout String
    ) {
        guard depth < maximumDepth || (elements.isEmpty && tail == nil) else {
            output += open + "..." + close
            return
        }
        output += open
        for (index, element) in elements.enumerated() {
            if index == maximumElements {
                output += ", ..."
                break
            }
            if index > 0 { output += ", " }
            write(element, depth: depth + 1, to: &output)
        }
        if let tail {
            output += " | "
            write(tail, depth: depth + 1, to: &output)
        }
        output += close
    }

    private static func truncated(_ text: String) -> String {
        text.unicodeScalars.count <= maximumText ? text : String(text.unicodeScalars.prefix(maximumText)) + "..."
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x20 && scalar.value != 0x7F || scalar == "\n" || scalar == "\t" || scalar == "\r"
    }

    private static let reservedWords: Set<String> = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case", "catch", "cond",
        "div", "else", "end", "fun", "if", "let", "maybe", "not", "of", "or", "orelse", "receive", "rem", "try",
        "when", "xor",
    ]

    private static func isBareAtom(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), !reservedWords.contains(name) else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "@"
        }
    }

    private static func escaped(_ text: String, quote: Unicode.Scalar) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote, "\\": output += "\\" + String(scalar)
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                output += "\\x{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
