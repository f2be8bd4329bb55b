//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillRuntime
import DistillTerm
import DistillTestSupport
import Foundation
import Synchronization
import Testing

/// The real file system, with every write, sync and removal recorded in order (paths
/// relative to `root`).
final class RecordingFileSystem: ReleaseFileSystem {
    enum Operation: Hashable, CustomStringConvertible {
        case write(String)
        case sync(String)
        case remove(String)

        var description: String {
            switch self {
            case .write(let path): "write \(path)"
            case .sync(let path): "sync \(path)"
            case .remove(let path): "remove \(path)"
            }
        }
    }

    let root: String
    private let real = PosixFileSystem()
    let operations = Mutex<[Operation]>([])

    init(root: String) { self.root = root }

    private func relative(_ path: String) -> String {
        if path == root { return "." }
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    func writeAtomically(_ contents: String, to path: String) throws(ReleaseHandlerError) {
        try real.writeAtomically(contents, to: path)
        operations.withLock { $0.append(.write(relative(path))) }
    }

    func sync(_ path: String) throws(ReleaseHandlerError) {
        try real.sync(path)
        operations.withLock { $0.append(.sync(relative(path))) }
    }

    func removeTree(_ path: String) throws(ReleaseHandlerError) {
        try real.removeTree(path)
        operations.withLock { $0.append(.remove(relative(path))) }
    }

    var recorded: [Operation] { operations.withLock { $0 } }
    func clear() { operations.withLock { $0 = [] } }
}

/// The files and directories under `directory` of `root` (relative paths, itself included).
private func tree(_ root: String, _ directory: String) -> [String] {
    var result = [directory]
    let enumerator = FileManager.default.enumerator(atPath: root + "/" + directory)
    while let name = enumerator?.nextObject() as? String { result.append(directory + "/" + name) }
    return result
}

private func failure(_ body: () throws -> Void) -> ReleaseHandlerError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ReleaseHandlerError
    }
}

/// Whether `pid` is a live process (not a zombie).
private func alive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Faults around the release handler: power cuts (the order of syncs), commands that hang,
/// `codeChange`s that never return, failures only the log sees.
@Suite(.serialized)
struct ReleaseHandlerFaultTests {
    // MARK: - Durability

    /// A store node with 2.0.0 placed, whose release handler writes, syncs and removes
    /// through a recording file system.
    static func recordedStore() throws -> (StoreNode, RecordingFileSystem) {
        let box = Mutex<RecordingFileSystem?>(nil)
        let store = try StoreNode(placed: [StoreReleases.v2]) { configuration in
            let recording = RecordingFileSystem(root: configuration.root.path)
            box.withLock { $0 = recording }
            configuration.fileSystem = recording
        }
        return (store, try #require(box.withLock { $0 }))
    }

    @Test func makePermanentSyncsEveryFileOfTheReleaseBeforeItCommits() throws {
        let (store, recording) = try Self.recordedStore()
        try store.handler.upgrade("2.0.0")
        let operations = recording.recorded
        let root = store.tree.root
        func index(_ operation: RecordingFileSystem.Operation) -> Int? { operations.lastIndex(of: operation) }
        let commit = try #require(index(.write("releases/start_erl.data")), "\(operations)")
        let releases = try #require(index(.write("releases/RELEASES")), "\(operations)")
        #expect(releases < commit)
        // Every file and directory the release has, on disk before RELEASES names it permanent.
        let files = tree(root, "lib/store-2.0.0") + tree(root, "releases/2.0.0")
        #expect(files.count > 6, "\(files)")
        for file in files {
            let synced = index(.sync(file))
            #expect(synced.map { $0 < releases } == true, "\(file) is not synced before RELEASES: \(operations)")
            // A file before the directory that holds it (its entry is in the directory's sync).
            let parent = (file as NSString).deletingLastPathComponent
            if let synced, let directory = index(.sync(parent)) { #expect(synced < directory, "\(file)") }
        }
        for directory in ["lib", "releases", "."] {
            let synced = index(.sync(directory))
            #expect(synced.map { $0 < releases } == true, "\(directory) is not synced before RELEASES: \(operations)")
        }
        #expect(store.tree.startErlData == "\(StoreReleases.erts) 2.0.0")
    }

    @Test func removeRewritesReleasesBeforeItDeletes() throws {
        let (store, recording) = try Self.recordedStore()
        try store.handler.upgrade("2.0.0")
        recording.clear()
        try store.handler.remove("1.0.0")
        #expect(
            recording.recorded == [
                .write("releases/RELEASES"), .remove("lib/store-1.0.0"), .remove("releases/1.0.0"),
            ],
            "\(recording.recorded)"
        )
        #expect(try store.tree.statuses() == ["2.0.0": "permanent"])
    }

    // MARK: - Health checks

    @Test func aHealthCheckTimeoutKillsItsWholeProcessGroup() throws {
        let store = try StoreNode(placed: [StoreReleases.v2]) { $0.commandTimeout = 0.5 }
        let record = store.tree.root + "/grandchild.pid"
        let started = Date()
        let error = failure {
            try store.handler.upgrade(
                "2.0.0",
                options: UpgradeOptions(health: "sleep 300 & echo $! > \(record); wait")
            )
        }
        #expect(error?.code == .healthCheckFailed, "\(String(describing: error))")
        #expect(error?.message.contains("did not finish in time") == true, "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 30)
        let text = try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let grandchild = try #require(Int32(text))
        #expect(eventually(seconds: 5) { !alive(grandchild) }, "the health check's grandchild \(grandchild) lives on")
        kill(grandchild, SIGKILL)
        #expect(try store.call("version") == 1)
    }

    // MARK: - Deadlines

    @Test func aCodeChangeThatDoesNotReturnFailsTheInstallAtItsTimeLimit() throws {
        var v2 = StoreReleases.v2
        v2.relup = StoreReleases.relup(
            "2.0.0",
            from: "1.0.0",
            up: Scripts.up("2.0.0", extra: .tuple(["hang", 4000])),
            down: Scripts.down("1.0.0")
        )
        let store = try StoreNode(placed: [v2]) { $0.installTimeLimit = .seconds(60) }
        _ = try store.handler.unpack("2.0.0")
        let clock = ContinuousClock()
        let started = clock.now
        let error = failure { try store.handler.install("2.0.0", timeLimit: .milliseconds(500)) }
        let took = clock.now - started
        #expect(error?.code == .instructionFailed, "\(String(describing: error))")
        #expect(
            error?.message.contains("did not return in time") == true
                && error?.message.contains("the install's time limit is 500 ms") == true,
            "\(String(describing: error))"
        )
        #expect(error?.message.hasSuffix("the old release is back") == true, "\(String(describing: error))")
        #expect(took < .seconds(3), "the install took \(took)")
        // The handler is free at once: another command runs.
        #expect(store.handler.running == "1.0.0")
        #expect(TermPrinter.printCompact(store.handler.description).contains("{operation,none}"))
        try store.handler.remove("2.0.0")
        // Once the codeChange returns, its result is dropped: the process is on the old code.
        #expect(eventually(seconds: 10) { (try? store.call("version")) == 1 })
    }

    @Test func theNodesDefaultTimeLimitComesFromSysConfig() throws {
        let store = try StoreNode()
        #expect(store.handler.configuration.installTimeLimit == .seconds(300))
        func handler() throws -> ReleaseHandler {
            try ReleaseHandler(node: store.node, configuration: store.handler.configuration, booted: "1.0.0")
        }
        store.node.setEnvironment("distill", "install_time_limit", 2500)
        #expect(try handler().configuration.installTimeLimit == .milliseconds(2500))
        store.node.setEnvironment("distill", "install_time_limit", "infinity")
        #expect(try handler().configuration.installTimeLimit == .infinity)
        for bad: Term in [0, -1, "soon", .integer(4_294_967_296)] {
            store.node.setEnvironment("distill", "install_time_limit", bad)
            let error = failure { _ = try handler() }
            #expect(error?.code == .configFailed, "\(bad)")
            #expect(
                error?.message
                    == "sys.config: {distill, [{install_time_limit, _}]} must be milliseconds from 1 to 4294967295 "
                    + "or infinity, not \(TermPrinter.printCompact(bad))"
            )
        }
    }

    @Test func aSuspendWithTimeoutInfinityEndsAtTheInstallsTimeLimit() throws {
        var v2 = StoreReleases.v2
        v2.relup = StoreReleases.relup(
            "2.0.0",
            from: "1.0.0",
            up: [
                .loadObjectCode(application: "store", version: "2.0.0", modules: ["Store"]),
                .pointOfNoReturn,
                .suspend([SuspendedModule(module: "Store", timeout: .infinity)]),
                .load(module: "Store", prePurge: .brutalPurge, postPurge: .brutalPurge),
                .codeChange(.up, [ModuleCodeChange(module: "Store", extra: "blue")]),
                .resume(modules: ["Store"]),
            ],
            down: Scripts.down("1.0.0")
        )
        let store = try StoreNode(placed: [v2]) { $0.installTimeLimit = .milliseconds(400) }
        // Store busy with a call for 4 s: it cannot be suspended before that.
        let busy = Thread { _ = try? store.node.call("store", .tuple(["sleep", 4000]), timeout: .seconds(10)) }
        busy.start()
        Thread.sleep(forTimeInterval: 0.2)
        let clock = ContinuousClock()
        let started = clock.now
        let error = failure { try store.handler.upgrade("2.0.0") }
        let took = clock.now - started
        #expect(error?.code == .instructionFailed, "\(String(describing: error))")
        #expect(
            error?.message.contains(
                "did not finish its current message before the install's time limit (400 ms) passed"
            )
                == true,
            "\(String(describing: error))"
        )
        #expect(took < .seconds(3), "the upgrade took \(took)")
        #expect(store.handler.running == "1.0.0")
        #expect(eventually(seconds: 10) { (try? store.call("version")) == 1 })
    }
}
