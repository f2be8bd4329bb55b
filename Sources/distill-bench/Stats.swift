//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The figures of one measurement over several runs.
struct Stats {
    var samples: [Double]

    init(_ samples: [Double]) { self.samples = samples.sorted() }

    var min: Double { samples.first ?? 0 }
    var max: Double { samples.last ?? 0 }
    var median: Double {
        guard !samples.isEmpty else { return 0 }
        let middle = samples.count / 2
        return samples.count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2
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

/// Pads `text` on the left to `width`.
func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// Prints a line at once (standard output may be a pipe: no buffering until exit).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
