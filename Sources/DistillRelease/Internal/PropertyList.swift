//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// One `{Key, Value}` entry of a property list such as an `.app`'s or a release's options.
struct Property {
    /// The key atom's name.
    let key: String
    /// The whole `{Key, Value}` tuple.
    let entry: Node
    /// The value.
    let value: Node
}

extension Node {
    /// Decodes this node as a list of `{Key, Value}` entries with atom keys.
    ///
    /// Calls `handle` for each entry whose key is in `known`, recording (not throwing)
    /// its errors so the other entries are still checked. A key given twice is an
    /// error. An unknown key goes to `unknown`; if that returns `false` (the default),
    /// the key is an error with the closest known key suggested, or the hint `hints`
    /// has for it.
    ///
    /// - Parameters:
    ///   - role: what the list is, for a shape error (`"the options of release 'kv'"`).
    ///   - noun: what one key is (`"release option"`).
    /// - Returns: the keys seen.
    @discardableResult
    func properties(
        _ role: String,
        noun: String,
        known: [String],
        hints: [String: String] = [:],
        unknown: (Property) throws(ReleaseFileError) -> Bool = { _ in false },
        _ handle: (Property) throws(ReleaseFileError) -> Void
    ) throws(ReleaseFileError) -> Set<String> {
        var seen: [String: SourceLocation] = [:]
        for element in try list(role) {
            context.attempt { () throws(ReleaseFileError) in
                let pair = try element.tuple("a \(noun)", count: 2, shape: "a {Key, Value} tuple")
                let key = try pair[0].atom("the key of a \(noun)")
                let property = Property(key: key, entry: element, value: pair[1])
                if let first = seen[key] {
                    throw element.duplicate("\(noun) '\(key)'", first: first)
                }
                seen[key] = element.location
                if known.contains(key) {
                    try handle(property)
                } else if try !unknown(property) {
                    throw element.error(.unknownKey, "unknown \(noun) '\(key)'" + Self.hint(for: key, known, hints))
                }
            }
        }
        return Set(seen.keys)
    }

    /// `"; did you mean 'x'?"`, a specific hint, or `""`.
    static func hint(for key: String, _ known: [String], _ hints: [String: String]) -> String {
        if let hint = hints[key] { return "; " + hint }
        return Suggestion.didYouMean(key, among: known)
    }

    /// An error at this node for each key of `required` missing from `seen`, recorded.
    func requireKeys(_ required: [String], in seen: Set<String>, owner: String) {
        for key in required where !seen.contains(key) {
            context.record(error(.missingKey, "\(owner) has no '\(key)'"))
        }
    }
}
