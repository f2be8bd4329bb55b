//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Erlang's text for a term, on one line, as `io:format("~p")` would print it and
/// `file:consult/1` reads it back (pids and references print as `<0.N.S>` and
/// `#Ref<...>`, which Erlang cannot read). Used for the manifest and for logs until
/// DistillTerm's printer lands on main.
enum TermText {
    static func render(_ term: Term) -> String {
        var output = ""
        write(term, to: &output)
        return output
    }

    static func write(_ term: Term, to output: inout String) {
        switch term {
        case .atom(let name): output += quotedAtom(name)
        case .integer(let value): output += String(value)
        case .bigInteger(let value): output += value.description
        case .float(let value): output += floatText(value)
        case .string(let text): output += quoted(text, quote: "\"")
        case .binary(let bytes):
            if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 32 }) {
                output += "<<" + quoted(text, quote: "\"") + "/utf8>>"
            } else {
                output += "<<" + bytes.map(String.init).joined(separator: ",") + ">>"
            }
        case .list(let elements):
            output += "["
            writeElements(elements, to: &output)
            output += "]"
        case .improperList(let elements, let tail):
            output += "["
            writeElements(elements, to: &output)
            output += "|"
            write(tail, to: &output)
            output += "]"
        case .tuple(let elements):
            output += "{"
            writeElements(elements, to: &output)
            output += "}"
        case .map(let map):
            output += "#{"
            var first = true
            for entry in map {
                if !first { output += "," }
                first = false
                write(entry.key, to: &output)
                output += " => "
                write(entry.value, to: &output)
            }
            output += "}"
        case .pid(let pid): output += pid.text
        case .reference(let reference):
            output += "#Ref<0." + reference.ids.reversed().map(String.init).joined(separator: ".") + ">"
        }
    }

    private static func writeElements(_ elements: [Term], to output: inout String) {
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            write(element, to: &output)
        }
    }

    private static let reserved: Set<String> = [
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case", "catch", "cond",
        "div", "end", "fun", "if", "let", "maybe", "not", "of", "or", "orelse", "receive", "rem", "try", "when", "xor",
    ]

    static func quotedAtom(_ name: String) -> String {
        let scalars = name.unicodeScalars
        if let first = scalars.first, ("a"..."z").contains(first),
            scalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "@" }),
            !reserved.contains(name)
        {
            return name
        }
        return quoted(name, quote: "'")
    }

    private static func quoted(_ text: String, quote: Character) -> String {
        var output = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            default:
                if Character(scalar) == quote {
                    output += "\\" + String(quote)
                } else if scalar.value < 32 || scalar.value == 127 {
                    output += "\\x{" + String(scalar.value, radix: 16) + "}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output.append(quote)
        return output
    }

    private static func floatText(_ value: Double) -> String {
        var text = "\(value)"
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        if let e = text.firstIndex(of: "e"), !text[..<e].contains(".") {
            text.insert(contentsOf: ".0", at: e)
        }
        return text
    }
}
