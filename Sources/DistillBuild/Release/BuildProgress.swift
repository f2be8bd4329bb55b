//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One step of a build, as progress displays show it: `[2/8] building kv (KV)`.
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

    public init(kind: Kind, title: String, application: String? = nil) {
        self.kind = kind
        self.title = title
        self.application = application
    }

    /// The step's place among ``Kind/allCases`` (1-based), and how many there are.
    public var position: (number: Int, total: Int) {
        (Kind.allCases.firstIndex(of: kind)! + 1, Kind.allCases.count)
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
