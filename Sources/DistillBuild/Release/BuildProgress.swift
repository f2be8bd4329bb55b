//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One step of a build, as progress displays show it: `[2/9] building kv (KV)`.
public struct BuildStep: Hashable, Sendable {
    /// What the builder does.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case configure, build, manifest, runtime, snapshot, upgrade, assemble, pack
    }

    public var kind: Kind
    /// What the step is about, for people: "building kv (KV)".
    public var title: String
    /// The application concerned, if one.
    public var application: String?
    /// The step's place among the steps this command takes (1-based).
    public var number: Int
    /// How many steps this command takes: one build, manifest and snapshot step per
    /// application, the upgrade and packing steps only when the command does them.
    public var total: Int

    public init(kind: Kind, title: String, application: String? = nil, number: Int, total: Int) {
        self.kind = kind
        self.title = title
        self.application = application
        self.number = number
        self.total = total
    }
}

/// How far `swift build` is, read from a line of its output: `[123/456] Compiling NIOCore ...`
/// gives 123 of 456 build tasks.
public struct SwiftBuildCount: Hashable, Sendable {
    public var done: Int
    public var total: Int

    public init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }

    /// The count at the start of `line`, or `nil` if the line has none.
    public init?(line: String) {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        let fraction = line[line.index(after: line.startIndex)..<close].split(separator: "/")
        guard fraction.count == 2, let done = Int(fraction[0]), let total = Int(fraction[1]), done <= total else {
            return nil
        }
        self.init(done: done, total: total)
    }
}

/// Where a build reports what it does. The command line draws one updating line on a
/// terminal, plain lines otherwise, or streams `swift build`'s output with `--verbose`.
///
/// Calls come from the building thread, and ``output(_:)`` also from the threads that
/// read `swift build`'s output.
public protocol BuildProgress: Sendable {
    /// A step starts (the previous one, if any, is done).
    func started(_ step: BuildStep)
    /// A line of a child process's output (`swift build`).
    func output(_ line: String)
    /// Something the user should know that does not stop the build.
    func warning(_ message: String)
    /// The build is over (successfully or not).
    func finished()
}

/// Reports nothing.
public struct SilentProgress: BuildProgress {
    public init() {}
    public func started(_ step: BuildStep) {}
    public func output(_ line: String) {}
    public func warning(_ message: String) {}
    public func finished() {}
}
