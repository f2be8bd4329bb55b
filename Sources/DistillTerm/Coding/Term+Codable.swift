//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// MARK: - Term in Codable types

/// A `Term` field holds any term as it is: ``TermEncoder`` writes it unchanged and
/// ``TermDecoder`` hands back whatever term is there (state can carry data whose shape the
/// Swift type does not fix, like `var table: [String: Term]`). Other coders (JSON, property
/// lists) have no term type, and refuse it.
extension Term: Codable {
    public init(from decoder: any Decoder) throws {
        throw DecodingError.typeMismatch(
            Term.self,
            DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "a Term decodes only with TermDecoder"
            )
        )
    }

    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(
            self,
            EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a Term encodes only with TermEncoder"
            )
        )
    }
}
