//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import DistillRelease
import DistillTerm
import Glibc
import Logging
import Synchronization

/// Why a release node stops.
public enum StopReason: Sendable, CustomStringConvertible {
    /// The `stop` command.
    case requested
    /// SIGTERM or SIGINT.
    case signal(Int32)
    /// The `restart` command (or a release handler's `restart_emulator`): stop cleanly, then
    /// boot again in the same OS process from `start_erl.data`.
    case restart
    /// An application whose exit stops the node (``ApplicationExit/stopsNode``).
    case applicationExit(ApplicationExit)

    /// The exit status of `distill-run` after a clean shutdown for this reason (a restart
    /// does not exit).
    public var exitStatus: Int32 {
        if case .applicationExit = self { return ExitStatus.failure.rawValue }
        return ExitStatus.success.rawValue
    }

    public var description: String {
        switch self {
        case .requested: "stop requested"
        case .signal(let signal): "\(Posix.signalName(signal)) received"
        case .restart: "restart requested"
        case .applicationExit(let exit):
            "\(exit.type.rawValue) application \(exit.name) exited: \(TermPrinter.printCompact(exit.reason.term))"
        }
    }
}

/// A node booted from a release directory: what `distill-run foreground` and `start` run.
///
/// ``boot(plan:node:underHeart:processStarted:)`` loads each application's plugin (`dlopen`, full path, `RTLD_LOCAL`),
/// checks its manifest against its `.app` (name, version, modules, start module), applies the
/// `.app`'s `env` and then `sys.config`, and starts the applications in ``BootPlan`` order with
/// their types: a `permanent` application's exit stops the node, a `transient` one's too unless
/// it exits `normal`, a `temporary` one's is logged; `load` applications (and applications
/// another one includes) are loaded, not started; `none` ones are not even loaded.
/// ``shutdown(timeout:)`` stops them in reverse order.
public final class ReleaseNode: Sendable {
    /// The release directory.
    public let paths: ReleasePaths
    /// What the boot read.
    public let plan: BootPlan
    /// The node.
    public let node: Node
    /// Whether heart watches this node (`-heart`): its exit after a crash restarts it.
    public let underHeart: Bool
    /// When the OS process started, and when the node was ready (monotonic nanoseconds).
    public let processStarted: UInt64
    private let ready = Mutex<UInt64?>(nil)
    private let stopReason = Mutex<StopReason?>(nil)
    private let stopLatch = Latch()
    private let running = Mutex<Running>(Running())

    private struct Running {
        var version: String = ""
        var images: [(application: String, version: String, path: String)] = []
        var started: Set<String> = []
    }

    init(paths: ReleasePaths, plan: BootPlan, node: Node, underHeart: Bool, processStarted: UInt64) {
        self.paths = paths
        self.plan = plan
        self.node = node
        self.underHeart = underHeart
        self.processStarted = processStarted
        running.withLock { $0.version = plan.version }
    }

    /// The release version now running: the booted one, until the release handler installs another.
    public var currentVersion: String {
        get { running.withLock { $0.version } }
        set { running.withLock { $0.version = newValue } }
    }

    /// The plugin images loaded, in load order.
    public var images: [(application: String, version: String, path: String)] { running.withLock { $0.images } }

    /// The applications started since the boot (running or not any more).
    public var startedApplications: Set<String> { running.withLock { $0.started } }

    /// Records that application `name` was started (the boot, or the release handler).
    public func recordStarted(_ name: String) { running.withLock { _ = $0.started.insert(name) } }

    /// Records an image the release handler loaded.
    public func recordImage(application: String, version: String, path: String) {
        running.withLock { $0.images.append((application, version, path)) }
    }

    /// Milliseconds from the OS process's start to the node answering commands, once ready.
    public var bootMilliseconds: Double? {
        ready.withLock { $0 }.map { Double($0 &- processStarted) / 1_000_000 }
    }

    func markReady() { ready.withLock { $0 = monotonicNow() } }

    // MARK: - Booting

    /// Loads, checks and starts the release's applications on `node` (see the type's
    /// documentation). On an error, what was started is stopped again.
    public static func boot(
        plan: BootPlan,
        node: Node,
        underHeart: Bool = false,
        processStarted: UInt64? = nil
    ) throws(BootError) -> ReleaseNode {
        let release = ReleaseNode(
            paths: plan.paths,
            plan: plan,
            node: node,
            underHeart: underHeart,
            processStarted: processStarted ?? monotonicNow()
        )
        node.onApplicationExit { [weak release] exit in
            guard exit.stopsNode, let release else { return }
            release.requestStop(.applicationExit(exit))
        }
        do {
            try release.loadAndStart()
        } catch {
            release.stopApplications(timeout: .seconds(5))
            throw error
        }
        return release
    }

    private func loadAndStart() throws(BootError) {
        var included: Set<String> = []
        for entry in plan.release.applications { included.formUnion(entry.includedApplications ?? []) }
        for application in plan.applications { included.formUnion(application.spec.includedApplications ?? []) }

        for application in plan.applications {
            guard let plugin = application.plugin else { continue }
            let loaded: LoadedApplication
            do {
                loaded = try node.codeServer.load(path: plugin)
            } catch {
                throw BootError(.badPlugin, "\(error)".droppingPrefix("error: "), file: paths.relative(plugin))
            }
            try Self.check(loaded, against: application, plugin: paths.relative(plugin))
            node.codeServer.makeCurrent(loaded)
            recordImage(application: loaded.name, version: loaded.version, path: plugin)
            for parameter in application.spec.environment ?? [] {
                node.setEnvironment(application.name, parameter.key, parameter.value)
            }
        }
        for configuration in plan.configuration {
            for parameter in configuration.parameters {
                node.setEnvironment(configuration.application, parameter.key, parameter.value)
            }
        }
        for application in plan.applications {
            guard application.plugin != nil, application.type != .load, !included.contains(application.name) else {
                continue
            }
            do {
                try node.startApplication(application.name, type: application.type)
                recordStarted(application.name)
            } catch {
                throw BootError(
                    .startFailed,
                    "application '\(application.name)' failed to start: " + "\(error)".droppingPrefix("error: ")
                )
            }
        }
    }

    /// Checks a loaded plugin against its `.app`: the build wrote the `.app` from the
    /// plugin's manifest, so a difference means the files were mixed up.
    static func check(
        _ loaded: LoadedApplication,
        against application: BootPlan.Application,
        plugin: String
    )
        throws(BootError)
    {
        var problems: [String] = []
        if loaded.name != application.name {
            problems.append("it is application '\(loaded.name)', not '\(application.name)'")
        }
        if loaded.version != application.version {
            problems.append("it is version '\(loaded.version)', not '\(application.version)'")
        }
        let modules = Set(loaded.modules.map(\.name))
        let listed = Set(application.spec.modules)
        let missing = listed.subtracting(modules).sorted()
        let extra = modules.subtracting(listed).sorted()
        if !missing.isEmpty {
            problems.append("it lacks module(s) \(missing.joined(separator: ", ")) that the .app lists")
        }
        if !extra.isEmpty {
            problems.append("it has module(s) \(extra.joined(separator: ", ")) that the .app does not list")
        }
        if loaded.start?.module != application.spec.startModule?.module {
            let ours = loaded.start?.module ?? "none"
            let theirs = application.spec.startModule?.module ?? "none"
            problems.append("its start module is \(ours), the .app's mod is \(theirs)")
        }
        guard problems.isEmpty else {
            throw BootError(
                .badPlugin,
                "the plugin does not match lib/\(application.name)-\(application.version)/ebin/\(application.name).app: "
                    + problems.joined(separator: "; "),
                file: plugin
            )
        }
    }

    // MARK: - Stopping

    /// Asks the node to stop (the first request wins; later ones return `false`).
    @discardableResult
    public func requestStop(_ reason: StopReason) -> Bool {
        let first = stopReason.withLock { current in
            guard current == nil else { return false }
            current = reason
            return true
        }
        if first { stopLatch.open() }
        return first
    }

    /// Whether a stop has been requested.
    public var isStopping: Bool { stopReason.withLock { $0 != nil } }

    /// Blocks until a stop is requested and returns why.
    func waitForStop() -> StopReason {
        _ = stopLatch.wait(until: .never)
        return stopReason.withLock { $0 } ?? .requested
    }

    /// Stops the running applications in reverse start order: each top supervisor shuts its
    /// children down in reverse order, `terminate` callbacks run.
    func stopApplications(timeout: Timeout) {
        for (name, _, _) in node.runningApplications.reversed() {
            try? node.stopApplication(name, timeout: timeout)
        }
    }

    /// A clean stop: the applications in reverse order, then every remaining process, the
    /// sockets, the timers and the scheduler threads.
    public func shutdown(timeout: Timeout) {
        stopApplications(timeout: timeout)
        node.shutdown(timeout: .seconds(5))
    }
}

extension String {
    func droppingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
