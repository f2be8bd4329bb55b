//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Short descriptions for error messages

extension Term {
    /// What kind of term this is and a short Erlang spelling of it, for error messages:
    /// `atom foo`, `integer 42`, `binary <<"ab">>`, `tuple {ok,...}`. Long terms are cut.
    var briefDescription: String { "\(kindName) \(briefSpelling(budget: 40))" }

    /// `atom`, `integer`, `float`, `binary`, `list`, `tuple`, `map`, `pid` or `reference`.
    var kindName: String {
        switch self {
        case .atom: return "atom"
        case .integer, .bigInteger: return "integer"
        case .float: return "float"
        case .binary: return "binary"
        case .string, .list, .improperList: return "list"
        case .tuple: return "tuple"
        case .map: return "map"
        case .pid: return "pid"
        case .reference: return "reference"
        }
    }

    /// Erlang-like text of at most about `budget` characters, `...` where cut.
    func briefSpelling(budget: Int) -> String {
        var out = ""
        spell(into: &out, budget: budget)
        return out
    }

    private func spell(into out: inout String, budget: Int) {
        guard out.count < budget else {
            out += "..."
            return
        }
        switch self {
        case .atom(let name):
            out += Self.isPlainAtom(name) ? name : "'\(name)'"
        case .integer(let value):
            out += "\(value)"
        case .bigInteger(let value):
            out += value.description
        case .float(let value):
            out += "\(value)"
        case .string(let text):
            out += "\"\(text.prefix(max(0, budget - out.count)))\""
        case .binary(let bytes):
            if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 })
            {
                out += "<<\"\(text.prefix(max(0, budget - out.count)))\">>"
            } else {
                out +=
                    "<<" + bytes.prefix(8).map { "\($0)" }.joined(separator: ",") + (bytes.count > 8 ? ",...>>" : ">>")
            }
        case .list(let elements):
            Self.spell(elements, open: "[", close: "]", into: &out, budget: budget)
        case .improperList(let elements, let tail):
            Self.spell(elements, open: "[", close: "", into: &out, budget: budget)
            out += "|"
            tail.spell(into: &out, budget: budget)
            out += "]"
        case .tuple(let elements):
            Self.spell(elements, open: "{", close: "}", into: &out, budget: budget)
        case .map(let map):
            out += "#{"
            for (index, entry) in map.entries.enumerated() {
                if index > 0 { out += "," }
                if out.count >= budget {
                    out += "..."
                    break
                }
                entry.key.spell(into: &out, budget: budget)
                out += " => "
                entry.value.spell(into: &out, budget: budget)
            }
            out += "}"
        case .pid(let pid):
            out += "<\(pid.node).\(pid.id).\(pid.serial)>"
        case .reference(let reference):
            out += "#Ref<\(reference.node)." + reference.ids.reversed().map { "\($0)" }.joined(separator: ".") + ">"
        }
    }

    private static func spell(_ elements: [Term], open: String, close: String, into out: inout String, budget: Int) {
        out += open
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            if out.count >= budget {
                out += "..."
                break
            }
            element.spell(into: &out, budget: budget)
        }
        out += close
    }

    /// Whether `name` needs no quotes: a lowercase letter, then letters, digits, `_`, `@`.
    private static func isPlainAtom(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "@"
        }
    }
}
