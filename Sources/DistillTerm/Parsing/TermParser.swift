//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Reads Erlang terms written as `file:consult/1` reads them: each term followed by a
/// `.` and white space (or a `%` comment, or the end of the text).
///
/// The parser accepts exactly what OTP 25's `erl_scan` and `erl_parse:parse_term/1`
/// accept for a term, with the same values:
///
/// - atoms: bare (`kv`, `node@host`, `été`: a lowercase letter, then letters, digits, `_`,
///   `@`, Latin-1 letters included) or quoted (`'Hello world'`, with the string escapes).
///   Reserved words (`end`, `of`, `case`, ...) must be quoted, as `erl_scan` demands;
///   `maybe` and `else` are bare atoms, as in OTP 25. At most 255 characters.
/// - integers of any size, in any base from 2 to 36 (`16#FF`, `36#zz`), with `_` between
///   digits (`1_000`), and characters (`$a`, `$\n`, `$\x{1F600}`, `$\^A`).
/// - floats with digits on both sides of the `.` and an optional exponent (`1.0e-5`).
/// - strings with every `erl_scan` escape (`\n \r \t \v \b \f \e \s \d \\ \" \'`, octal
///   `\101`, `\x41`, `\x{1F600}`, control `\^C`; any other escaped character stands for
///   itself), adjacent strings concatenated (`"a" "b"`).
/// - binaries with Erlang's bit syntax for constant segments (`<<"text">>`, `<<1,2,3>>`,
///   `<<"é"/utf8>>`, `<<1:16/little>>`, `<<1.5/float>>`, `<<<<1>>/binary>>`).
/// - lists, proper and improper (`[a, b | T]`), tuples, maps with `=>`, `-`/`+` before a
///   number, parentheses around a term, `%` comments.
///
/// Where `file:consult` returns a term ``Term`` cannot hold, parsing fails with
/// ``TermParseError/Code/unsupportedTerm``: external funs (`fun m:f/1`) and bit strings
/// whose size is not a whole number of bytes.
///
/// Text is read as UTF-8 bytes. The byte entry points also follow `epp`'s encoding
/// comment: a `%% coding: latin-1` comment in the first two lines makes the bytes Latin-1,
/// as `file:consult` reads them.
///
/// Errors carry a ``SourceLocation`` whose column counts Unicode scalars from 1.
public enum TermParser {
    /// How deeply lists, tuples, maps, binaries and parentheses may nest. Deeper text is
    /// refused with ``TermParseError/Code/nestingTooDeep``: the parser keeps its brackets
    /// on the heap, but the equality, hashing, printing and destruction of a term recurse
    /// once per level, and a term this deep must stay safe for them on any thread.
    public static let maximumNestingDepth = 1_000

    /// Every term of `source`, in order.
    ///
    /// - Parameter file: the name used in error locations (`rel/sys.config`).
    public static func parseAll(_ source: String, file: String) throws(TermParseError) -> [Term] {
        try withUTF8(source) { bytes throws(TermParseError) in
            var reader = TermReader<Term>(bytes: bytes, file: file)
            return try reader.readAll()
        }
    }

    /// Every term of `source` with the location of each term and of each of its parts
    /// (see ``LocatedTerm``).
    public static func parseAllLocated(_ source: String, file: String) throws(TermParseError) -> [LocatedTerm] {
        try withUTF8(source) { bytes throws(TermParseError) in
            var reader = TermReader<LocatedTerm>(bytes: bytes, file: file)
            return try reader.readAll()
        }
    }

    /// Every term of the contents of a file, given as bytes: UTF-8, or Latin-1 when an
    /// encoding comment in the first two lines says `coding: latin-1` (as `epp` reads it).
    /// Bytes that are not UTF-8 fail with ``TermParseError/Code/invalidUTF8``.
    public static func parseAll(bytes: some Collection<UInt8>, file: String) throws(TermParseError) -> [Term] {
        try withContents(bytes) { buffer throws(TermParseError) in
            var reader = TermReader<Term>(bytes: buffer, file: file)
            return try reader.readAll()
        }
    }

    /// ``parseAll(bytes:file:)`` with locations (see ``LocatedTerm``).
    public static func parseAllLocated(
        bytes: some Collection<UInt8>,
        file: String
    ) throws(TermParseError)
        -> [LocatedTerm]
    {
        try withContents(bytes) { buffer throws(TermParseError) in
            var reader = TermReader<LocatedTerm>(bytes: buffer, file: file)
            return try reader.readAll()
        }
    }

    /// The one term of `source`, with or without its final `.`: what a command line
    /// such as `bin/kv rpc kv '{put, a, 42}'` passes. Anything after the term other
    /// than white space and comments is an error.
    public static func parseOne(_ source: String, file: String = "<string>") throws(TermParseError) -> Term {
        try withUTF8(source) { bytes throws(TermParseError) in
            var reader = TermReader<Term>(bytes: bytes, file: file)
            return try reader.readOne()
        }
    }

    // MARK: - Contiguous bytes

    private static func withUTF8<R>(
        _ source: String,
        _ body: (UnsafeBufferPointer<UInt8>) throws(TermParseError) -> R
    ) throws(TermParseError) -> R {
        var source = source
        let result: Result<R, TermParseError> = source.withUTF8 { bytes in
            do throws(TermParseError) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func withContents<R>(
        _ bytes: some Collection<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) throws(TermParseError) -> R
    ) throws(TermParseError) -> R {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<R, TermParseError> {
            do throws(TermParseError) {
                if SourceEncoding.declaresLatin1(buffer) {
                    let utf8 = SourceEncoding.utf8(fromLatin1: buffer)
                    return .success(
                        try utf8.withUnsafeBufferPointer { converted throws(TermParseError) in
                            try body(converted)
                        }
                    )
                }
                return .success(try body(buffer))
            } catch {
                return .failure(error)
            }
        }
        if let result = bytes.withContiguousStorageIfAvailable(run) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer(run).get()
    }
}

// MARK: - The encoding comment (epp:read_encoding_from_binary)

enum SourceEncoding {
    /// Whether one of the first two lines holds a `%` comment with `coding: latin-1`
    /// (or `coding=latin-1`, any case), which `file:consult` obeys. `epp` looks at most
    /// at the first 512 bytes.
    static func declaresLatin1(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let limit = min(bytes.count, 512)
        var index = 0
        var line = 0
        var inComment = false
        while index < limit, line < 2 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                inComment = false
            } else if byte == UInt8(ascii: "%") {
                inComment = true
            } else if inComment, byte == UInt8(ascii: "c"), let name = encodingName(bytes, after: index, limit: limit) {
                let parts = name.split(separator: "-", omittingEmptySubsequences: false)
                return parts.count >= 2 && parts[0] == "latin" && parts[1] == "1"
            }
            index += 1
        }
        return false
    }

    /// After the `c` at `index`: `oding`, spaces, `:` or `=`, spaces, then the encoding's
    /// name (letters, digits and `-`), lowercased; `nil` if the text is not a coding mark.
    private static func encodingName(_ bytes: UnsafeBufferPointer<UInt8>, after index: Int, limit: Int) -> String? {
        let oding = Array("oding".utf8)
        var position = index + 1
        guard position + oding.count <= limit, Array(bytes[position..<position + oding.count]) == oding else {
            return nil
        }
        position += oding.count
        while position < limit, bytes[position] == UInt8(ascii: " ") { position += 1 }
        guard position < limit, bytes[position] == UInt8(ascii: ":") || bytes[position] == UInt8(ascii: "=") else {
            return nil
        }
        position += 1
        while position < limit, bytes[position] == UInt8(ascii: " ") { position += 1 }
        var name: [UInt8] = []
        while position < limit {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                name.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                name.append(byte + 32)
            default:
                return String(decoding: name, as: UTF8.self)
            }
            position += 1
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// Latin-1 bytes as UTF-8.
    static func utf8(fromLatin1 bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                result.append(byte)
            } else {
                result.append(0xC0 | (byte >> 6))
                result.append(0x80 | (byte & 0x3F))
            }
        }
        return result
    }
}
