//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// `--json` output: one object per command on standard output,
/// `{"ok":true,"result":...}` or `{"ok":false,"error":{"code":"...","message":"..."}}`.
///
/// Terms map to JSON as scripts expect: integers and floats are numbers (a big integer is
/// a number too), `true`/`false` booleans, other atoms, strings and UTF-8 binaries strings,
/// lists and tuples arrays, maps objects (keys printed as text), pids and references their
/// Erlang text (`<0.42.0>`); a binary that is not UTF-8 is an array of bytes.
enum JSONOutput {
    static func success(_ result: Term) -> String { "{\"ok\":true,\"result\":" + encode(result) + "}" }

    static func failure(code: String, message: String) -> String {
        "{\"ok\":false,\"error\":{\"code\":" + string(code) + ",\"message\":" + string(message) + "}}"
    }

    static func encode(_ term: Term) -> String {
        switch term {
        case .atom("true"): return "true"
        case .atom("false"): return "false"
        case .atom(let name): return string(name)
        case .integer(let value): return String(value)
        case .bigInteger(let value): return value.description
        case .float(let value): return value.isFinite ? "\(value)" : "null"
        case .string(let text): return string(text)
        case .binary(let bytes):
            if let text = String(validating: bytes, as: UTF8.self) { return string(text) }
            return "[" + bytes.map { String($0) }.joined(separator: ",") + "]"
        case .list(let elements), .tuple(let elements):
            return "[" + elements.map(encode).joined(separator: ",") + "]"
        case .improperList(let elements, let tail):
            return "[" + (elements + [tail]).map(encode).joined(separator: ",") + "]"
        case .map(let map):
            return "{"
                + map.map { entry in string(key(entry.key)) + ":" + encode(entry.value) }.joined(separator: ",") + "}"
        case .pid, .reference:
            return string(TermPrinter.printCompact(term))
        }
    }

    private static func key(_ term: Term) -> String {
        switch term {
        case .atom(let name): return name
        case .string(let text): return text
        case .binary(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return TermPrinter.printCompact(term)
        }
    }

    /// A JSON string literal.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
