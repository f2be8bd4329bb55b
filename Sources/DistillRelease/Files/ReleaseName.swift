//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The rule for names and versions that a release pastes into paths: application names and
/// versions (`lib/APP-VSN`), runtime versions (`erts-VSN`), release names and versions
/// (`releases/VSN/NAME.rel`).
///
/// Such a value is data, never a path: it is not empty, at most 255 bytes (a file name's
/// limit), and holds no `/`, no NUL, no whitespace or control character, no `..`, and does not
/// start with `.`. Every release file reader (`.rel`, `.app`, `RELEASES`, `start_erl.data`)
/// refuses a value that breaks it (``ReleaseFileError/Code-swift.struct/unsafeName``), so a
/// hostile `{kv, "0.1.0/../../VICTIM"}` never reaches a path.
public enum ReleaseName {
    /// Longest value, in UTF-8 bytes: Linux's `NAME_MAX`.
    public static let maximumLength = 255

    /// Why `value` cannot be pasted into a path (`"it contains '/'"`), or `nil` if it can.
    public static func problem(in value: String) -> String? {
        if value.isEmpty { return "it is empty" }
        if value.utf8.count > maximumLength { return "it is longer than \(maximumLength) bytes" }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "/": return "it contains '/'"
            case "\0": return "it contains a NUL character"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                return "it contains a control character"
            case _ where scalar.properties.isWhitespace: return "it contains whitespace"
            default: continue
            }
        }
        if value.hasPrefix(".") { return "it starts with '.'" }
        if value.contains("..") { return "it contains '..'" }
        return nil
    }

    /// Why `directory`, an application's directory as `RELEASES` records it, is not
    /// `lib/NAME` with `NAME` a safe name (so inside the release root), or `nil` if it is.
    /// Absolute directories (which OTP's `release_handler` writes) are refused: a release
    /// never keeps its applications outside its own `lib/`.
    public static func problem(inLibraryDirectory directory: String) -> String? {
        if directory.hasPrefix("/") { return "it is absolute; it must be lib/NAME-VSN inside the release" }
        let components = directory.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count == 2, components[0] == "lib" else {
            return "it must be lib/NAME-VSN inside the release"
        }
        return problem(in: String(components[1]))
    }

    /// Whether `value` may be pasted into a path (``problem(in:)`` is `nil`).
    public static func isSafe(_ value: String) -> Bool { problem(in: value) == nil }

    /// `value` quoted for a message, control characters escaped (`"a\u{1B}b"`), so that a
    /// hostile name cannot play with the terminal that prints the error.
    static func quoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\"" || scalar == "\\" {
                text +=
                    scalar == "\"" ? "\\\"" : scalar == "\\" ? "\\\\" : "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}

extension Node {
    /// `value` (read from this node as `role`) if it is a safe name (``ReleaseName``);
    /// otherwise an error at this node naming the value and the reason.
    func safeName(_ value: String, _ role: String) throws(ReleaseFileError) -> String {
        guard let problem = ReleaseName.problem(in: value) else { return value }
        throw error(.unsafeName, "\(role) \(ReleaseName.quoted(value)) cannot name a directory: \(problem)")
    }

    /// A string that is an application directory inside the release (`lib/NAME-VSN`).
    func libraryDirectory(_ role: String) throws(ReleaseFileError) -> String {
        let directory = try string(role)
        guard let problem = ReleaseName.problem(inLibraryDirectory: directory) else { return directory }
        throw error(.unsafeName, "\(role) \(ReleaseName.quoted(directory)) is not allowed: \(problem)")
    }

    /// An atom that is a safe name.
    func atomName(_ role: String) throws(ReleaseFileError) -> String {
        try safeName(try atom(role), role)
    }

    /// A string that is a safe name.
    func stringName(_ role: String) throws(ReleaseFileError) -> String {
        try safeName(try string(role), role)
    }
}
