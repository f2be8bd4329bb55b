//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A file that could not be read as ELF, or a part of it that is malformed.
///
/// Every error names the file, says what was wrong, and, where it applies, the byte
/// offset in the file where the reader found the problem. The reader never traps on
/// bad input: a truncated or corrupted file always ends in one of these.
///
/// ```
/// libKV.so: error: section header table (64 entries of 64 bytes) runs past the end of the file (at offset 0x5f70)
/// ```
public struct ELFError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem; stable across releases, for matching in code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case io, notELF, unsupported, truncated, malformed
        }
        private var wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The file could not be opened, measured or read.
        public static var io: Self { Self(.io) }
        /// The file does not start with the ELF magic number.
        public static var notELF: Self { Self(.notELF) }
        /// The file is ELF, but of a class, byte order or version this reader does not read.
        public static var unsupported: Self { Self(.unsupported) }
        /// A table, string or section runs past the end of the file or of its section.
        public static var truncated: Self { Self(.truncated) }
        /// A field holds a value that cannot be right (a bad index, entry size or link).
        public static var malformed: Self { Self(.malformed) }

        public var description: String {
            switch wrapped {
            case .io: "io"
            case .notELF: "notELF"
            case .unsupported: "unsupported"
            case .truncated: "truncated"
            case .malformed: "malformed"
            }
        }
    }

    /// The kind of problem.
    public var code: Code
    /// The file's path, or `<memory>` for bytes given to ``ELFFile/init(bytes:name:)``.
    public var file: String
    /// What was wrong, as a sentence fragment starting in lower case.
    public var message: String
    /// Where in the file the reader found the problem, if it concerns a place in the file.
    public var offset: UInt64?

    public init(code: Code, file: String, message: String, offset: UInt64? = nil) {
        self.code = code
        self.file = file
        self.message = message
        self.offset = offset
    }

    public var description: String {
        var text = "\(file): error: \(message)"
        if let offset { text += " (at offset 0x\(String(offset, radix: 16)))" }
        return text
    }
}
