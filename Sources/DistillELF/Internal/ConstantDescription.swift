//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How an ELF constant prints: its C name when known, else the type and the raw value in
/// hexadecimal, so that vendor or future values show up instead of trapping.
func constantDescription<Raw: BinaryInteger>(_ type: String, _ raw: Raw, _ names: [Raw: String]) -> String {
    if let name = names[raw] { return name }
    return "\(type)(rawValue: 0x\(String(raw, radix: 16)))"
}

/// How a flag word prints: the C names of the known bits joined by `|`, then the unknown
/// bits in hexadecimal; `0` when no bit is set.
func flagsDescription<Raw: FixedWidthInteger>(_ raw: Raw, _ names: [(Raw, String)]) -> String {
    var rest = raw
    var parts: [String] = []
    for (bit, name) in names where raw & bit == bit && bit != 0 {
        parts.append(name)
        rest &= ~bit
    }
    if rest != 0 { parts.append("0x\(String(rest, radix: 16))") }
    return parts.isEmpty ? "0" : parts.joined(separator: "|")
}
