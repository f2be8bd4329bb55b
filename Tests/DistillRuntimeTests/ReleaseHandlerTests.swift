//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillRuntime
import DistillTestSupport
import Foundation
import Synchronization
import Testing

/// The versions of release "store" (see UpgradeTestApplications.swift) as release trees.
enum StoreReleases {
    static let erts = "6.3.1-test"

    static func version(
        _ version: String,
        relup: Relup? = nil,
        hooks: [String: [(String, String)]] = [:]
    ) -> ReleaseTree.Version {
        ReleaseTree.Version(
            version: version,
            erts: erts,
            applications: [ReleaseTree.Application(name: "store", version: version)],
            relup: relup,
            hooks: hooks
        )
    }

    static func relup(_ version: String, from base: String, up: [RelupInstruction], down: [RelupInstruction]) -> Relup {
        Relup(
            version: version,
            upgrades: [Relup.Entry(version: base, instructions: up)],
            downgrades: [Relup.Entry(version: base, instructions: down)]
        )
    }

    static let v1 = version("1.0.0")
    static let v11 = version(
        "1.1.0",
        relup: relup("1.1.0", from: "1.0.0", up: Scripts.soft("1.1.0"), down: Scripts.soft("1.0.0"))
    )
    static let v2 = version(
        "2.0.0",
        relup: Relup(
            version: "2.0.0",
            upgrades: [
                Relup.Entry(version: "1.1.0", instructions: Scripts.up("2.0.0")),
                Relup.Entry(version: "1.0.0", instructions: Scripts.up("2.0.0")),
            ],
            downgrades: [
                Relup.Entry(version: "1.1.0", instructions: Scripts.down("1.1.0")),
                Relup.Entry(version: "1.0.0", instructions: Scripts.down("1.0.0")),
            ]
        )
    )
    static let meterUp: [RelupInstruction] = [
        .loadObjectCode(application: "store", version: "2.1.0", modules: ["Meter"]),
        .pointOfNoReturn,
        .suspend([SuspendedModule(module: "Meter")]),
        .load(module: "Meter", prePurge: .brutalPurge, postPurge: .brutalPurge),
        .codeChange(.up, [ModuleCodeChange(module: "Meter", extra: [])]),
        .resume(modules: ["Meter"]),
    ]
    static let meterDown: [RelupInstruction] = [
        .loadObjectCode(application: "store", version: "2.0.0", modules: ["Meter"]),
        .pointOfNoReturn,
        .suspend([SuspendedModule(module: "Meter")]),
        .codeChange(.down, [ModuleCodeChange(module: "Meter", extra: [])]),
        .load(module: "Meter", prePurge: .brutalPurge, postPurge: .brutalPurge),
        .resume(modules: ["Meter"]),
    ]
    static let v21 = version("2.1.0", relup: relup("2.1.0", from: "2.0.0", up: meterUp, down: meterDown))
}

/// A node running store 1.0.0 from a release tree, and its release handler (linked code
/// stands for the plugins).
final class StoreNode: @unchecked Sendable {
    let directory: TemporaryDirectory
    let tree: ReleaseTree
    let node: Node
    let handler: ReleaseHandler
    let restarts = RestartLog()

    init(
        installed: ReleaseTree.Version = StoreReleases.v1,
        placed: [ReleaseTree.Version] = [],
        environment: [String: String] = [:],
        configure: (inout ReleaseHandler.Configuration) -> Void = { _ in }
    ) throws {
        directory = try TemporaryDirectory(prefix: "distill-handler")
        tree = ReleaseTree(root: directory.path, name: "store")
        try tree.install(installed)
        for version in placed { try tree.placeTarball(version) }
        node = Node(
            configuration: .init(schedulers: 2, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        )
        let application = try #require(UpgradeApplications.all.first { $0.version == installed.version })
        try node.codeServer.register(application)
        try node.startApplication("store")
        let node = node
        let restarts = restarts
        var configuration = ReleaseHandler.Configuration(
            root: ReleaseRoot(path: directory.path, name: "store"),
            healthInterval: 0.05,
            loader: { name, version, _ in
                guard
                    let application = UpgradeApplications.all.first(where: { $0.name == name && $0.version == version })
                else { throw TestFailure("no linked \(name) \(version)") }
                return try node.codeServer.load(application)
            },
            restart: { request in restarts.requests.withLock { $0.append(request) } }
        )
        configure(&configuration)
        handler = try ReleaseHandler(
            node: node,
            configuration: configuration,
            booted: installed.version,
            environment: environment
        )
    }

    deinit { node.shutdown() }

    func call(_ request: Term) throws -> Term { try node.call("store", request) }
}

final class RestartLog: Sendable {
    let requests = Mutex<[RestartRequest]>([])
}

private func failure(_ body: () throws -> Void) -> ReleaseHandlerError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ReleaseHandlerError
    }
}

@Suite(.serialized)
struct ReleaseHandlerTests {
    // MARK: - Two-phase install

    @Test func upgradeUnpacksInstallsAndMakesPermanentKeepingState() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        let pid = store.node.whereis("store")
        #expect(try store.call(.tuple(["add", 10])) == 15)
        let report = try store.handler.upgrade("2.0.0")
        #expect(report.unpacked && report.permanent && !report.restarting)
        #expect(report.install?.from == "1.0.0")
        #expect(store.node.whereis("store") == pid)
        #expect(try store.call("version") == 2)
        #expect(try store.call("get") == 15)
        #expect(try store.tree.statuses() == ["2.0.0": "permanent", "1.0.0": "old"])
        #expect(store.tree.startErlData == "\(StoreReleases.erts) 2.0.0")
        #expect(store.handler.versionsText == "2.0.0 permanent (running)\n1.0.0 old")
        // The unpacked files are in place; the tarball's own records were not taken.
        for path in ["lib/store-2.0.0/ebin/store.app", "releases/2.0.0/store.rel", "releases/2.0.0/relup"] {
            #expect(FileManager.default.fileExists(atPath: store.tree.root + "/" + path))
        }
    }

    @Test func installMakesTheReleaseCurrentNotPermanent() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        try store.handler.unpack("2.0.0")
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
        try store.handler.install("2.0.0")
        #expect(try store.call("version") == 2)
        // On disk nothing boots 2.0.0 yet.
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
        #expect(store.tree.startErlData == "\(StoreReleases.erts) 1.0.0")
        #expect(store.handler.versionsText == "2.0.0 current (running)\n1.0.0 permanent")
        try store.handler.makePermanent("2.0.0")
        #expect(try store.tree.statuses() == ["2.0.0": "permanent", "1.0.0": "old"])
    }

    @Test func downgradeGoesBackInPlaceAndMakesTheOldReleasePermanent() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        try store.handler.upgrade("2.0.0")
        #expect(try store.call(.tuple(["add", 1])) == 6)
        try store.handler.downgrade("1.0.0")
        #expect(try store.call("version") == 1)
        #expect(try store.call("get") == 6)
        #expect(try store.tree.statuses() == ["2.0.0": "old", "1.0.0": "permanent"])
        #expect(store.tree.startErlData == "\(StoreReleases.erts) 1.0.0")
    }

    @Test func manyUpgradesInARowAndBackDown() throws {
        let store = try StoreNode(placed: [StoreReleases.v11, StoreReleases.v2, StoreReleases.v21])
        var expected = 5
        for version in ["1.1.0", "2.0.0", "2.1.0"] {
            try store.handler.upgrade(version)
            expected += 1
            #expect(try store.call(.tuple(["add", 1])) == .integer(expected))
        }
        #expect(try store.node.call("meter", "version") == 2)
        for version in ["2.0.0", "1.1.0", "1.0.0"] {
            try store.handler.downgrade(version)
            expected += 1
            #expect(try store.call(.tuple(["add", 1])) == .integer(expected))
        }
        #expect(try store.call("version") == 1)
        #expect(try store.node.call("meter", "version") == 1)
        #expect(try store.tree.statuses()["1.0.0"] == "permanent")
        // And up again: every release stayed installable.
        try store.handler.upgrade("1.1.0")
        #expect(try store.call("version") == .string("1.1"))
    }

    // MARK: - Health checks and hooks

    @Test func aFailingHealthCheckDowngradesInPlace() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        let marker = store.tree.root + "/health-runs"
        let error = failure {
            try store.handler.upgrade(
                "2.0.0",
                options: UpgradeOptions(
                    health: "echo run >> \(marker); [ $(wc -l < \(marker)) -lt 3 ] || { echo unhealthy; exit 3; }",
                    soak: 5
                )
            )
        }
        #expect(error?.code == .healthCheckFailed)
        #expect(
            error?.message
                == "the health check 'echo run >> \(marker); [ $(wc -l < \(marker)) -lt 3 ] || { echo unhealthy; exit 3; }' "
                + "exited with status 3 on run 3: unhealthy; downgraded in place to 1.0.0, which keeps running"
        )
        #expect(try store.call("version") == 1)
        #expect(try store.call("get") == 5)
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
        #expect(store.handler.versionsText == "2.0.0 old\n1.0.0 permanent (running)")
    }

    @Test func aHealthCheckRunsOverTheSoakTime() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        let report = try store.handler.upgrade(
            "2.0.0",
            options: UpgradeOptions(health: "test \"$DISTILL_RELEASE_VSN\" = 2.0.0", soak: 0.3)
        )
        #expect(report.healthRuns >= 4)
        #expect(report.permanent)
    }

    @Test func noPermanentLeavesTheReleaseCurrent() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        let report = try store.handler.upgrade("2.0.0", options: UpgradeOptions(makePermanent: false))
        #expect(!report.permanent)
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
        // A later upgrade of the same version only makes it permanent.
        let again = try store.handler.upgrade("2.0.0")
        #expect(again.install == nil && again.permanent)
    }

    @Test func aFailingPreUpgradeHookStopsBeforeAnythingChanges() throws {
        var v2 = StoreReleases.v2
        v2.hooks = [
            "pre_upgrade": [
                ("10-ok", "exit 0"), ("20-check", "echo 'disk full' >&2; exit 4"), ("30-never", "touch never"),
            ]
        ]
        let store = try StoreNode(placed: [v2])
        let error = failure { try store.handler.upgrade("2.0.0") }
        #expect(
            error
                == ReleaseHandlerError(
                    .hookFailed,
                    "pre_upgrade hook 20-check exited with status 4: disk full; nothing was changed"
                )
        )
        #expect(!FileManager.default.fileExists(atPath: store.tree.root + "/never"))
        #expect(try store.call("version") == 1)
        #expect(store.handler.running == "1.0.0")
    }

    @Test func aFailingPostUpgradeHookDowngrades() throws {
        var v2 = StoreReleases.v2
        v2.hooks = ["post_upgrade": [("10-migrate", "exit 1")]]
        let store = try StoreNode(placed: [v2])
        let error = failure { try store.handler.upgrade("2.0.0") }
        #expect(error?.code == .healthCheckFailed)
        #expect(
            error?.message.hasPrefix("post_upgrade hook 10-migrate exited with status 1; downgraded in place") == true
        )
        #expect(try store.call("version") == 1)
    }

    // MARK: - One command at a time

    @Test func aSecondUpgradeWhileOneRunsIsRefused() throws {
        let store = try StoreNode(placed: [StoreReleases.v2, StoreReleases.v11])
        let first = Mutex<Result<UpgradeReport, ReleaseHandlerError>?>(nil)
        let thread = Thread {
            let result = Result { () throws(ReleaseHandlerError) in
                try store.handler.upgrade("2.0.0", options: UpgradeOptions(health: "sleep 0.2", soak: 0.5))
            }
            first.withLock { $0 = result }
        }
        thread.start()
        #expect(eventually { store.handler.running == "2.0.0" })
        let error = failure { try store.handler.upgrade("1.1.0") }
        #expect(
            error
                == ReleaseHandlerError(
                    .busy,
                    "cannot start upgrading to 1.1.0: the release handler is upgrading to 2.0.0; wait for it to finish"
                )
        )
        #expect(failure { try store.handler.remove("1.1.0") }?.code == .busy)
        #expect(eventually(seconds: 10) { first.withLock { $0 != nil } })
        #expect(try first.withLock { try $0?.get().permanent } == true)
    }

    // MARK: - Failures that roll back

    @Test func aThrowingCodeChangeKeepsTheOldReleaseRunning() throws {
        var v2 = StoreReleases.v2
        v2.relup = StoreReleases.relup(
            "2.0.0",
            from: "1.0.0",
            up: Scripts.up("2.0.0", extra: "refuse"),
            down: Scripts.down("1.0.0")
        )
        let store = try StoreNode(placed: [v2])
        let error = failure { try store.handler.upgrade("2.0.0") }
        #expect(error?.code == .instructionFailed)
        #expect(error?.rollback?.restoredModules == ["Store"])
        #expect(try store.call("version") == 1)
        #expect(try store.call("get") == 5)
        #expect(store.handler.versionsText == "2.0.0 unpacked\n1.0.0 permanent (running)")
        #expect(try store.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
    }

    @Test func aReleaseWithoutAScriptIsRefused() throws {
        let store = try StoreNode(placed: [StoreReleases.v21])
        try store.handler.unpack("2.1.0")
        #expect(
            failure { try store.handler.install("2.1.0") }
                == ReleaseHandlerError(
                    .noScript,
                    "no relup leads from 1.0.0 to 2.1.0: neither releases/2.1.0/relup upgrades from 1.0.0 nor "
                        + "releases/1.0.0/relup downgrades to 2.1.0"
                )
        )
    }

    // MARK: - Configuration

    @Test func sysConfigVariablesAreSubstitutedAgainBeforeTheUpgrade() throws {
        var v2 = StoreReleases.v2
        v2.sysConfig = "[{store, [{mode, \"${STORE_MODE}\"}]}]."
        let store = try StoreNode(placed: [v2])
        let unset = failure { try store.handler.upgrade("2.0.0", options: UpgradeOptions(environment: [:])) }
        #expect(unset?.code == .configFailed)
        #expect(unset?.message.contains("environment variable 'STORE_MODE' is not set") == true)
        #expect(try store.call("version") == 1)
        try store.handler.upgrade("2.0.0", options: UpgradeOptions(environment: ["STORE_MODE": "turbo"]))
        #expect(try store.call("env") == .string("turbo"))
    }

    // MARK: - Remove

    @Test func removeDeletesAnOldReleaseButNeverThePermanentOne() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        try store.handler.upgrade("2.0.0")
        #expect(failure { try store.handler.remove("2.0.0") }?.code == .permanentRelease)
        try store.handler.remove("1.0.0")
        #expect(try store.tree.statuses() == ["2.0.0": "permanent"])
        #expect(!FileManager.default.fileExists(atPath: store.tree.root + "/lib/store-1.0.0"))
        #expect(!FileManager.default.fileExists(atPath: store.tree.root + "/releases/1.0.0"))
        #expect(FileManager.default.fileExists(atPath: store.tree.root + "/lib/store-2.0.0"))
    }

    // MARK: - Crash recovery

    @Test func aHandlerStartingAfterAnInterruptedMakePermanentRepairsReleases() throws {
        let store = try StoreNode(placed: [StoreReleases.v2])
        try store.handler.upgrade("2.0.0", options: UpgradeOptions(makePermanent: false))
        // What a kill between the two renames leaves: RELEASES says 2.0.0, start_erl.data 1.0.0.
        let torn = ReleasesFile(releases: [
            .init(
                name: "store",
                version: "2.0.0",
                ertsVersion: StoreReleases.erts,
                libraries: [.init(name: "store", version: "2.0.0", directory: "lib/store-2.0.0")],
                status: .permanent
            ),
            .init(
                name: "store",
                version: "1.0.0",
                ertsVersion: StoreReleases.erts,
                libraries: [.init(name: "store", version: "1.0.0", directory: "lib/store-1.0.0")],
                status: .old
            ),
        ])
        try torn.fileContents.write(toFile: store.tree.root + "/releases/RELEASES", atomically: true, encoding: .utf8)
        let rebooted = try StoreNode(installed: StoreReleases.v1)
        try FileManager.default.removeItem(atPath: rebooted.tree.root)
        try FileManager.default.copyItem(atPath: store.tree.root, toPath: rebooted.tree.root)
        _ = try ReleaseHandler(node: rebooted.node, configuration: rebooted.handler.configuration, booted: "1.0.0")
        #expect(try rebooted.tree.statuses() == ["2.0.0": "unpacked", "1.0.0": "permanent"])
    }

    // MARK: - Restarts

    @Test func aReleaseOnAnotherRuntimeRestartsTheNodeIntoIt() throws {
        var v3 = StoreReleases.version("3.0.0")
        v3.erts = "7.0.0-test"
        v3.launcher = "/bin/true"
        v3.relup = StoreReleases.relup(
            "3.0.0",
            from: "1.0.0",
            up: [.restartNewEmulator] + Scripts.up("2.0.0") + [
                .apply(FunctionCall(module: "StoreHooks", function: "note", arguments: ["after restart"]))
            ],
            down: [.restartEmulator]
        )
        let store = try StoreNode(placed: [v3])
        let report = try store.handler.upgrade("3.0.0", options: UpgradeOptions(health: "true"))
        #expect(report.restarting)
        #expect(!report.permanent)
        let request = try #require(store.restarts.requests.withLock { $0.first })
        #expect(request.launcher == store.tree.root + "/erts-7.0.0-test/bin/distill-run")
        #expect(request.releaseVersion == "3.0.0")
        #expect(request.environment["DISTILL_RELEASE_VSN"] == "3.0.0")
        #expect(request.environment["DISTILL_ERTS_VSN"] == "7.0.0-test")
        // Nothing changed here: the old runtime is about to be replaced.
        #expect(try store.call("version") == 1)
        #expect(try store.tree.statuses() == ["3.0.0": "unpacked", "1.0.0": "permanent"])

        // The new runtime boots 3.0.0 (here: store 2.0.0's code stands for it) and finishes.
        let calls = StoreHooks.calls.terms.count
        let restarted = try StoreNode(installed: StoreReleases.v1, environment: request.environment)
        try FileManager.default.removeItem(atPath: restarted.tree.root)
        try FileManager.default.copyItem(atPath: store.tree.root, toPath: restarted.tree.root)
        let handler = try ReleaseHandler(
            node: restarted.node,
            configuration: restarted.handler.configuration,
            booted: "3.0.0",
            environment: request.environment
        )
        #expect(handler.hasPendingRestart)
        let finished = try #require(handler.finishRestart())
        let done = try finished.get()
        #expect(done.permanent && done.healthRuns == 1)
        #expect(StoreHooks.calls.terms.dropFirst(calls).contains(["after restart"]))
        #expect(try restarted.tree.statuses() == ["3.0.0": "permanent", "1.0.0": "old"])
        #expect(restarted.tree.startErlData == "7.0.0-test 3.0.0")
        #expect(handler.finishRestart() == nil)
    }

    @Test func aContinuationForAnotherReleaseIsIgnored() throws {
        let environment = ["DISTILL_UPGRADE_CONTINUE": "{distill_continue,install,\"0.9\",\"2.0.0\",[],[]}"]
        let store = try StoreNode(environment: environment)
        #expect(!store.handler.hasPendingRestart)
    }
}
