//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The one place where process state crosses between Swift values and terms: a code change
/// encodes the old state with the old code and decodes (or `codeChange`s) it with the new,
/// with DistillTerm's ``TermEncoder`` and ``TermDecoder`` (the mapping of the article "Codable
/// mapping": structs are maps with atom keys, strings binaries, and so on). Unknown keys are
/// ignored, so a soft change may drop a field; a missing key fails it.
enum StateCoding {
    static func encode<Value: Encodable>(_ value: Value) throws -> Term {
        try TermEncoder().encode(value)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from term: Term) throws -> Value {
        try TermDecoder().decode(type, from: term)
    }
}
