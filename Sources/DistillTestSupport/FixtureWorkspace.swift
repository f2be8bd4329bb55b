//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// A fixture package from `Fixtures/NAME`, laid out at one of its versions in a work
/// directory that persists between test runs, `<repository>/.build-fixtures/NAME/`.
///
/// A fixture keeps its versions in one source tree: the base tree is its first version;
/// `Fixtures/NAME/versions/VSN/` holds the files that differ in version `VSN` (each
/// overlays the base tree, and is complete in itself: versions do not stack). Laying out
/// a version rewrites only the files whose contents differ and deletes the files the
/// version does not have, so SwiftPM's incremental build in the work directory's `.build`
/// (which every run reuses: the runtime's dependencies compile once) redoes only what
/// changed. The work directory is two levels below the repository, as the fixture is, so
/// its `../..` dependency on swift-distill still resolves to this checkout.
///
/// One work directory serves every test of a process, one at a time: ``withVersion(_:overrides:_:)``
/// holds it (without blocking a thread) until its body returns, and ``memoized(_:_:)``
/// keeps what a test built for the next one.
public final class FixtureWorkspace: Sendable {
    /// The fixture's name (`kv`).
    public let name: String
    /// The version the base tree is.
    public let baseVersion: String
    private let lock = AsyncLock()
    private let memo = Memo()

    /// `Fixtures/kv`: the key-value store (base tree 0.1.0; `versions/0.2.0` logs every request).
    public static let kv = FixtureWorkspace(name: "kv", baseVersion: "0.1.0")

    /// `Fixtures/chat`: a line-based TCP chat server (base tree 0.1.0; `versions/0.2.0`
    /// changes how lines are relayed and acknowledged, a soft update).
    public static let chat = FixtureWorkspace(name: "chat", baseVersion: "0.1.0")

    public init(name: String, baseVersion: String) {
        self.name = name
        self.baseVersion = baseVersion
    }

    /// `Fixtures/NAME` in the repository.
    public var source: URL { Repository.root.appendingPathComponent("Fixtures/\(name)") }
    /// `.build-fixtures/NAME` in the repository: where the fixture is built.
    public var directory: URL { Repository.root.appendingPathComponent(".build-fixtures/\(name)") }

    /// The versions the fixture has: the base version and each `versions/VSN`.
    public var versions: [String] {
        let overlays = (try? FileManager.default.contentsOfDirectory(atPath: source.path + "/versions")) ?? []
        return [baseVersion] + overlays.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Paths of the work directory that laying out a version leaves alone: build products.
    public static let preserved: Set<String> = [".build", ".swiftpm", "_build", "Package.resolved"]

    /// Lays out `version`, with `overrides` (relative path → contents) on top, then runs
    /// `body` with the work directory while no other test of this process can change it.
    public func withVersion<R: Sendable>(
        _ version: String,
        overrides: [String: String] = [:],
        _ body: (URL) async throws -> R
    ) async throws -> R {
        await lock.lock()
        do {
            try materialize(version, overrides: overrides)
            let result = try await body(directory)
            await lock.unlock()
            return result
        } catch {
            await lock.unlock()
            throw error
        }
    }

    /// The value `make` returns for `key`, made once per process (later callers wait for
    /// the first and get its value, or its error). `make` may use ``withVersion(_:overrides:_:)``;
    /// a body of ``withVersion(_:overrides:_:)`` must not wait for a memoized value that does.
    public func memoized<T: Sendable>(_ key: String, _ make: @escaping @Sendable () async throws -> T) async throws -> T
    {
        try await memo.value(for: key, make)
    }

    /// The files of `version` (relative path → contents), with `overrides` on top.
    public func files(of version: String, overrides: [String: String] = [:]) throws -> [String: Data] {
        guard versions.contains(version) else {
            throw FixtureError(description: "fixture '\(name)' has no version \(version) (it has \(versions))")
        }
        var files = try Self.files(under: source, skipping: Self.preserved.union(["versions"]))
        if version != baseVersion {
            files.merge(try Self.files(under: source.appendingPathComponent("versions/\(version)"), skipping: [])) {
                $1
            }
        }
        for (path, text) in overrides { files[path] = Data(text.utf8) }
        return files
    }

    /// Makes the work directory hold exactly `version`'s files (besides ``preserved``).
    public func materialize(_ version: String, overrides: [String: String] = [:]) throws {
        let wanted = try files(of: version, overrides: overrides)
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        let present = try Self.files(under: directory, skipping: Self.preserved, reading: false)
        for path in present.keys where wanted[path] == nil {
            try fileManager.removeItem(at: directory.appendingPathComponent(path))
        }
        for (path, contents) in wanted {
            let url = directory.appendingPathComponent(path)
            if let existing = try? Data(contentsOf: url), existing == contents { continue }
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url)
        }
        Self.removeEmptyDirectories(under: directory)
    }

    /// Every file under `root` (relative path → contents, or empty data without `reading`),
    /// leaving out the top-level names in `skipping`.
    static func files(under root: URL, skipping: Set<String>, reading: Bool = true) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: root.path) else { return [:] }
        for path in try fileManager.subpathsOfDirectory(atPath: root.path) {
            let top = String(path.prefix { $0 != "/" })
            if skipping.contains(top) { continue }
            var isDirectory: ObjCBool = false
            let full = root.appendingPathComponent(path)
            guard fileManager.fileExists(atPath: full.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            result[path] = reading ? try Data(contentsOf: full) : Data()
        }
        return result
    }

    private static func removeEmptyDirectories(under root: URL) {
        let fileManager = FileManager.default
        guard let paths = try? fileManager.subpathsOfDirectory(atPath: root.path) else { return }
        for path in paths.sorted(by: { $0.count > $1.count })
        where !preserved.contains(String(path.prefix { $0 != "/" })) {
            let full = root.appendingPathComponent(path).path
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: full, isDirectory: &isDirectory), isDirectory.boolValue,
                (try? fileManager.contentsOfDirectory(atPath: full))?.isEmpty == true
            {
                try? fileManager.removeItem(atPath: full)
            }
        }
    }
}

/// A fixture that cannot be laid out.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// A lock that waits without blocking a thread (tests run on a small cooperative pool).
private actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        guard locked else {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Values made once per key; concurrent callers share the first caller's work.
private actor Memo {
    private var tasks: [String: Task<any Sendable, any Error>] = [:]

    func value<T: Sendable>(for key: String, _ make: @escaping @Sendable () async throws -> T) async throws -> T {
        if let task = tasks[key] { return try await task.value as! T }
        let task = Task<any Sendable, any Error> { try await make() }
        tasks[key] = task
        return try await task.value as! T
    }
}

/// Runs blocking `work` (a `swift build`, say) on a thread of its own, so an async test
/// does not hold one of the cooperative pool's few threads while it waits.
public func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
