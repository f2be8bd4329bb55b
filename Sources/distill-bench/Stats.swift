//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Timings of one benchmarked operation over several runs.
struct Stats {
    var name: String
    var samples: [Duration] = []

    init(_ name: String) {
        self.name = name
    }

    /// Runs `body` once, adding its wall-clock time.
    mutating func measure<R>(_ body: () throws -> R) rethrows -> R {
        let start = ContinuousClock.now
        let result = try body()
        samples.append(ContinuousClock.now - start)
        return result
    }

    /// `name  runs N  min X  median Y  max Z` with times in milliseconds.
    func summary(nameWidth: Int = 28) -> String {
        let sorted = samples.sorted()
        guard let min = sorted.first, let max = sorted.last else { return "\(name): no runs" }
        let median = sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let padded = name + String(repeating: " ", count: Swift.max(0, nameWidth - name.count))
        return "\(padded) runs \(samples.count)  min \(Self.ms(min))  median \(Self.ms(median))  max \(Self.ms(max))"
    }

    static func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        let text = String(Int((milliseconds * 10).rounded()))
        let whole = text.dropLast().isEmpty ? "0" : String(text.dropLast())
        return "\(whole).\(text.suffix(1)) ms"
    }
}
