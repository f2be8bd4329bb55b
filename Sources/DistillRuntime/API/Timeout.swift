//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How long to wait: a number of milliseconds (an integer literal, as in Erlang) or ``infinity``.
public struct Timeout: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    enum Storage: Hashable, Sendable {
        case milliseconds(Int)
        case infinity
    }

    let storage: Storage

    /// Waits forever.
    public static let infinity = Timeout(storage: .infinity)

    /// `gen_server:call`'s default: five seconds.
    public static let `default`: Timeout = 5000

    public static func milliseconds(_ value: Int) -> Timeout { Timeout(storage: .milliseconds(value)) }

    public static func seconds(_ value: Int) -> Timeout { Timeout(storage: .milliseconds(value * 1000)) }

    public init(integerLiteral value: Int) { storage = .milliseconds(value) }

    /// The timeout `duration` rounded up to whole milliseconds.
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        storage = .milliseconds(Int(max(0, ms)))
    }

    init(storage: Storage) { self.storage = storage }

    /// The milliseconds, or `nil` for ``infinity``.
    public var milliseconds: Int? {
        if case .milliseconds(let ms) = storage { return ms }
        return nil
    }

    /// `infinity` or the number of milliseconds, as in Erlang.
    public var term: Term {
        switch storage {
        case .infinity: return .atom("infinity")
        case .milliseconds(let ms): return .integer(ms)
        }
    }

    public var description: String {
        switch storage {
        case .infinity: return "infinity"
        case .milliseconds(let ms): return "\(ms) ms"
        }
    }
}
