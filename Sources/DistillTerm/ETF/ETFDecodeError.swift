//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why bytes are not a term in the External Term Format, and where.
///
/// `offset` counts bytes from the start of the input (the version byte is offset 0). In a
/// compressed term (tag 80) errors found after decompression count from the start of the
/// decompressed data and set ``inDecompressedData``. Printed like a compiler diagnostic:
///
///     offset 7: error: truncated: BINARY_EXT of 100 bytes needs 100 more bytes, 3 left
public struct ETFDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is; match on it, not on ``message``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case badVersion, truncated, unknownTag, unsupportedTerm, trailingBytes, invalidAtom
            case invalidFloat, invalidInteger, invalidReference, duplicateMapKey, tooDeep
            case sizeLimitExceeded, badCompression
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The first byte is not the version byte 131.
        public static var badVersion: Self { Self(.badVersion) }
        /// The input ends inside a term, or a length promises more bytes than are left.
        public static var truncated: Self { Self(.truncated) }
        /// A tag that the External Term Format does not define.
        public static var unknownTag: Self { Self(.unknownTag) }
        /// A term that ``Term`` cannot hold: funs, exports, ports, bit strings, atom cache
        /// references, distribution headers.
        public static var unsupportedTerm: Self { Self(.unsupportedTerm) }
        /// Bytes after the end of the term.
        public static var trailingBytes: Self { Self(.trailingBytes) }
        /// An atom longer than 255 characters or whose UTF-8 is malformed.
        public static var invalidAtom: Self { Self(.invalidAtom) }
        /// A float that is NaN or infinite, or a `FLOAT_EXT` text that is not a number.
        public static var invalidFloat: Self { Self(.invalidFloat) }
        /// A big integer whose sign byte is neither 0 nor 1.
        public static var invalidInteger: Self { Self(.invalidInteger) }
        /// A reference with more than 5 words.
        public static var invalidReference: Self { Self(.invalidReference) }
        /// A map that holds the same key twice.
        public static var duplicateMapKey: Self { Self(.duplicateMapKey) }
        /// Containers nested deeper than ``ExternalTermFormat/DecodingLimits/maximumDepth``.
        public static var tooDeep: Self { Self(.tooDeep) }
        /// A compressed term whose size exceeds
        /// ``ExternalTermFormat/DecodingLimits/maximumDecompressedSize``, or an integer wider
        /// than ``ExternalTermFormat/DecodingLimits/maximumIntegerBits``.
        public static var sizeLimitExceeded: Self { Self(.sizeLimitExceeded) }
        /// Compressed data that zlib rejects or whose size differs from the size announced.
        public static var badCompression: Self { Self(.badCompression) }

        public var description: String { "\(wrapped)" }
    }

    /// What kind of problem this is.
    public var code: Code
    /// Where: the byte offset of the problem (see the type's documentation).
    public var offset: Int
    /// A sentence that names the tag or length involved.
    public var message: String
    /// Whether ``offset`` counts in the data of a compressed term, after decompression.
    public var inDecompressedData: Bool

    public init(code: Code, offset: Int, message: String, inDecompressedData: Bool = false) {
        self.code = code
        self.offset = offset
        self.message = message
        self.inDecompressedData = inDecompressedData
    }

    public var description: String {
        "offset \(offset)\(inDecompressedData ? " of the decompressed data" : ""): error: \(message)"
    }
}
