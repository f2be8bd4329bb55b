//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#endif

/// `--runs N` and `--name value` options after the benchmark's name.
struct BenchmarkArguments {
    private var values: [String: String] = [:]

    init(_ arguments: [String]) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), index + 1 < arguments.count else {
                throw BenchmarkError("unexpected argument '\(argument)'; options are '--name value'")
            }
            values[String(argument.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    /// The number of timed runs of each measurement (`--runs`, default 7).
    var runs: Int { get throws { try integer("runs", default: 7) } }

    func integer(_ name: String, default value: Int) throws -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text), number > 0 else { throw BenchmarkError("--\(name) takes a positive integer") }
        return number
    }

    func string(_ name: String) -> String? { values[name] }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The figures of one measurement over several runs: runs, min, median and max. Most
/// benchmarks record durations (``seconds``); some record rates (calls per second).
struct Stats {
    /// What was measured, for ``summary(nameWidth:)``.
    var name: String
    /// One figure per run, in the order measured: seconds for timings.
    var values: [Double]

    init(_ name: String = "", values: [Double] = []) {
        self.name = name
        self.values = values
    }

    init(seconds: [Double]) { self.init(values: seconds) }

    /// Times `body` `runs` times, after one untimed warm-up run. The clock stops when
    /// `body` returns, before its result is destroyed.
    init<Result>(_ name: String = "", runs: Int, _ body: () throws -> Result) rethrows {
        self.init(name)
        _ = try body()
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let result = try body()
            append(ContinuousClock.now - start)
            withExtendedLifetime(result) {}
        }
    }

    /// Runs `body` once, adding its wall-clock time.
    mutating func measure<R>(_ body: () throws -> R) rethrows -> R {
        let start = ContinuousClock.now
        let result = try body()
        append(ContinuousClock.now - start)
        return result
    }

    /// Adds one run's duration.
    mutating func append(_ duration: Duration) {
        values.append(Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18)
    }

    /// The figures, ascending.
    var sorted: [Double] { values.sorted() }
    var min: Double { sorted.first ?? 0 }
    var max: Double { sorted.last ?? 0 }
    var median: Double {
        let sorted = self.sorted
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// `name  runs N  min X ms  median Y ms  max Z ms` (the figures are seconds).
    func summary(nameWidth: Int = 28) -> String {
        guard !values.isEmpty else { return "\(name): no runs" }
        func milliseconds(_ value: Double) -> String { format(value * 1000, 1) + " ms" }
        return pad(name, -nameWidth) + " runs \(values.count)  min \(milliseconds(min))  median "
            + "\(milliseconds(median))  max \(milliseconds(max))"
    }

    /// `label  min 12.3 ms  median 12.9 ms  max 14.0 ms  =  812.4 / 775.1 / 714.2 MB/s`
    /// (throughput of `bytes` at the fastest, median and slowest run; the figures are seconds).
    func line(_ label: String, bytes: Int) -> String {
        func milliseconds(_ value: Double) -> String { pad(format(value * 1000, 1), 8) + " ms" }
        func throughput(_ value: Double) -> String { format(Double(bytes) / value / 1_000_000, 1) }
        return pad(label, -26) + "min" + milliseconds(min) + "  median" + milliseconds(median) + "  max"
            + milliseconds(max) + "  =  " + throughput(min) + " / " + throughput(median) + " / " + throughput(max)
            + " MB/s"
    }
}

/// `value` with `decimals` digits after the point.
func format(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(Int(rounded))
    if decimals > 0 {
        var fraction = String(Int(((rounded - Double(Int(rounded))) * scale).rounded().magnitude))
        while fraction.count < decimals { fraction = "0" + fraction }
        text += "." + fraction
    }
    return text
}

/// `text` padded with spaces to `width` columns: on the left, or on the right when `width` is negative.
func pad(_ text: String, _ width: Int) -> String {
    let padding = String(repeating: " ", count: Swift.max(0, abs(width) - text.count))
    return width < 0 ? text + padding : padding + text
}

/// A small deterministic random number generator (SplitMix64), for a reproducible file.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `1234567.8` as `1,234,568`.
func grouped(_ value: Double) -> String {
    let rounded = Int(value.rounded())
    let digits = String(abs(rounded))
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return rounded < 0 ? "-" + out : out
}

/// Prints a line at once (standard output may be a pipe: no buffering until exit).
func say(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}
