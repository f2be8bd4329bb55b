//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// "Did you mean" suggestions for misspelt keys, names and instructions.
enum Suggestion {
    /// The candidate closest to `word` by edit distance (an adjacent swap counts as one
    /// edit), if it is close enough to be a plausible misspelling: at most 2 edits, and
    /// fewer edits than `word` has characters. Ties go to the earlier candidate. Failing
    /// that, the first candidate that starts with `word` (`soft` for `soft_purge`), if
    /// `word` has at least 3 characters.
    static func closest(to word: String, among candidates: some Collection<String>) -> String? {
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let distance = editDistance(word, candidate)
            guard distance <= 2, distance < word.count else { continue }
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        if let best { return best.candidate }
        guard word.count >= 3 else { return nil }
        return candidates.first { $0.hasPrefix(word) && $0 != word }
    }

    /// `"; did you mean 'x'?"` for the closest candidate, or `""`.
    static func didYouMean(_ word: String, among candidates: some Collection<String>) -> String {
        closest(to: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// The optimal-string-alignment distance between `a` and `b`: insertions, deletions,
    /// substitutions and swaps of adjacent characters each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
