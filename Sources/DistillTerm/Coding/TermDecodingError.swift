//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why a term does not decode as the Swift type asked for, and where in it.
///
/// Printed as the coding path, then the problem:
///
///     State.table["a"]: expected integer, found atom foo
///
/// The path starts with the name of the type decoded; `.name` is a struct field or enum
/// case, `[2]` a list or tuple position, `["a"]` or `[42]` a dictionary key.
/// `DecodingError`s thrown by custom `init(from:)` code are turned into this type too.
public struct TermDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is; match on it, not on ``message``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case typeMismatch, keyNotFound, valueNotFound, valueOutOfRange, unknownKey, unknownCase, duplicateKey
            case dataCorrupted
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The term has another kind than the type needs (`expected integer, found atom foo`).
        public static var typeMismatch: Self { Self(.typeMismatch) }
        /// A map lacks a field that the type needs and that is not optional.
        public static var keyNotFound: Self { Self(.keyNotFound) }
        /// A list or tagged tuple has fewer elements than the type needs.
        public static var valueNotFound: Self { Self(.valueNotFound) }
        /// An integer does not fit the Swift integer type, or a float the `Float` range.
        public static var valueOutOfRange: Self { Self(.valueOutOfRange) }
        /// A map has a key the type does not know, and ``TermDecoder/UnknownKeyStrategy/reject`` is on.
        public static var unknownKey: Self { Self(.unknownKey) }
        /// An atom or tagged tuple names no case of the enum.
        public static var unknownCase: Self { Self(.unknownCase) }
        /// Two map keys decode as the same dictionary key.
        public static var duplicateKey: Self { Self(.duplicateKey) }
        /// Custom decoding code reported corrupt data.
        public static var dataCorrupted: Self { Self(.dataCorrupted) }

        public var description: String { "\(wrapped)" }
    }

    /// What kind of problem this is.
    public var code: Code
    /// Where: the coding path, rendered (`State.table["a"]`).
    public var path: String
    /// What is wrong there, e.g. `expected integer, found atom foo`.
    public var message: String

    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
