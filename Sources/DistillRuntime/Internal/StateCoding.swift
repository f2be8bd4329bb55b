//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The one place where process state crosses between Swift values and terms: a code change
/// encodes the old state with the old code and decodes (or `codeChange`s) it with the new.
///
/// It delegates to ``InterimTermCoder`` until DistillTerm's `TermEncoder`/`TermDecoder`
/// land on main; switching is a change of these two functions only.
enum StateCoding {
    static func encode<Value: Encodable>(_ value: Value) throws -> Term {
        try InterimTermCoder.encode(value)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from term: Term) throws -> Value {
        try InterimTermCoder.decode(type, from: term)
    }
}
