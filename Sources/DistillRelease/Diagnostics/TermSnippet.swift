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
        TermPrinter.printCompact(.atom(name))
    }

    private static func write(_ term: Term, depth: Int, to output: inout String) {
        switch term {
        case .atom(let name):
            output += atom(truncated(name))
        case .integer, .bigInteger, .float, .pid, .reference:
            output += TermPrinter.printCompact(term)
        case .string(let text):
            output += TermPrinter.printCompact(.string(truncated(text)))
        case .binary(let bytes):
            if bytes.count > maximumText, let text = String(validating: bytes, as: UTF8.self) {
                output += TermPrinter.printCompact(.binary(truncated(text)))
            } else if bytes.count > maximumText {
                output += TermPrinter.printCompact(.binary(Array(bytes.prefix(maximumElements)))).dropLast(2) + ",...>>"
            } else {
                output += TermPrinter.printCompact(term)
            }
        case .list(let elements):
            if !elements.isEmpty, let text = term.stringValue, text.unicodeScalars.allSatisfy(isPrintable) {
                output += TermPrinter.printCompact(.string(truncated(text)))
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
}
