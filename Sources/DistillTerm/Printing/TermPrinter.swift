//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Writes terms as Erlang text that `file:consult/1` reads back to the same terms,
/// laid out exactly as Erlang's `io:format("~tp", [Term])` lays them out.
///
/// - ``print(_:options:)`` is `~tp` (`io_lib_pretty` at column 1, 80 columns): a term
///   that fits stays on one line; a longer one breaks after elements, tagged tuples
///   keep their tag on the first line, and map values go under their keys.
/// - ``printCompact(_:options:)`` is `~0tp`: the same text on one line.
/// - ``file(_:header:options:)`` writes each term followed by `.` and a line break, as
///   OTP writes `.app`, `.rel` and `relup` files.
///
/// Lists of integers that are all printable characters print as strings, and binaries
/// that are printable text print as `<<"text">>` (or `<<"text"/utf8>>` when the bytes are
/// UTF-8 for characters beyond ASCII), following `io_lib:printable_list/1`. Which
/// characters count as printable is ``Options/printableRange``: `.unicode` (the default)
/// as `erl +pc unicode` prints, or `.latin1` as `erl` prints by default.
///
/// Atoms are quoted exactly when Erlang quotes them, plus `'maybe'` and `'else'`, which
/// OTP 27 reserves (OTP 25 prints them bare; both forms read back alike). Floats print in
/// Erlang's shortest round-trip form (`0.1`, `1.0e-5`, `1.0e16`). Map entries print in
/// Erlang's map key order (the order of ``TermMap``), which is `~p`'s order for maps of up
/// to 32 keys (OTP prints bigger maps in hash order).
///
/// Process identifiers and references print as Erlang prints local ones, `<0.83.0>` and
/// `#Ref<0.3.2.1>`; like Erlang's, that text does not read back as a term.
public enum TermPrinter {
    /// How to print.
    public struct Options: Sendable, Hashable {
        /// Which characters make a list print as a string (`io:printable_range()`).
        public enum PrintableRange: Sendable, Hashable {
            /// Unicode characters: what `erl +pc unicode` prints.
            case unicode
            /// Latin-1 characters only: what `erl` prints by default.
            case latin1
        }

        /// Which characters make a list print as a string.
        public var printableRange: PrintableRange
        /// The line length of ``TermPrinter/print(_:options:)`` (`~tp` uses 80); 0 prints
        /// on one line.
        public var lineLength: Int

        public init(printableRange: PrintableRange = .unicode, lineLength: Int = 80) {
            self.printableRange = printableRange
            self.lineLength = lineLength
        }
    }

    /// `term` as `io:format("~tp", [Term])` prints it at the start of a line.
    public static func print(_ term: Term, options: Options = Options()) -> String {
        var output: [UInt8] = []
        write(term, options: options, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// `term` on one line, as `io:format("~0tp", [Term])` prints it.
    public static func printCompact(_ term: Term, options: Options = Options()) -> String {
        var writer = ScalarWriter(options: options)
        writer.writeCompact(term)
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// `term` on one line, as ``printCompact(_:options:)`` prints it, but in at most about
    /// `maximumBytes` bytes, in time proportional to that (not to the term's size): for
    /// error messages and logs about terms that came from outside. Where the text is cut it
    /// ends in `...`; integers of more than 4096 bits print as `<integer of N bits>`.
    public static func printCompact(_ term: Term, maximumBytes: Int, options: Options = Options()) -> String {
        // One byte over the budget tells a text that fits exactly from one that goes on.
        var writer = ScalarWriter(options: options, limit: max(0, min(maximumBytes, Int.max - 1)) + 1)
        writer.writeCompact(term)
        guard writer.output.count > maximumBytes else { return String(decoding: writer.output, as: UTF8.self) }
        var cut = max(0, maximumBytes)
        // Back up to the start of a character.
        while cut > 0, writer.output[cut] & 0xC0 == 0x80 { cut -= 1 }
        return String(decoding: writer.output[..<cut], as: UTF8.self) + "..."
    }

    /// The text of a term file: the `header` lines as `%% ` comments, then each term as
    /// ``print(_:options:)`` prints it followed by `.` and a line break.
    ///
    /// OTP's `relup` starts with the header `utf-8` (`%% utf-8`).
    public static func file(_ terms: [Term], header: String? = nil, options: Options = Options()) -> String {
        var output: [UInt8] = []
        if let header {
            for line in header.split(separator: "\n", omittingEmptySubsequences: false) {
                output.append(contentsOf: "%% ".utf8)
                output.append(contentsOf: line.utf8)
                output.append(UInt8(ascii: "\n"))
            }
        }
        for term in terms {
            write(term, options: options, into: &output)
            output.append(contentsOf: ".\n".utf8)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the `~tp` text of `term` to `output`.
    static func write(_ term: Term, options: Options, into output: inout [UInt8]) {
        switch term {
        case .list, .string, .improperList, .tuple, .map, .binary:
            var layout = PrettyLayout(options: options)
            layout.print(term, into: &output)
        default:
            var writer = ScalarWriter(options: options)
            swap(&writer.output, &output)
            writer.writeCompact(term)
            swap(&writer.output, &output)
        }
    }
}
