//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease

/// Runs a relup script's low-level instructions against a node, as OTP's
/// `release_handler_1:eval_script/5` does, with one difference: every change after
/// `point_of_no_return` goes into an undo log, and a failure (a `codeChange` that throws, a
/// suspend that times out, a missing module) undoes the log in reverse order, so the node
/// keeps its old code and its processes their old state (``RollbackReport``).
///
/// How each instruction runs:
/// - `{load_object_code, {App, Vsn, [Mod]}}`: the ``Loader`` opens the application's code
///   (a plugin `.so`); the named modules are staged, nothing becomes current. A failure here
///   changes nothing.
/// - `point_of_no_return`: the loaded applications become their names' current versions
///   (OTP replaces their code paths) and the new configuration, if given, replaces the
///   applications' environment.
/// - `{suspend, [Mod | {Mod, Timeout}]}`: every process running the module or listing it in its
///   child spec is suspended; one that does not finish its message in time fails the upgrade.
/// - `{load, {Mod, Pre, Post}}`: the staged code becomes current. Processes on the replaced
///   code switch to the new code now (soft: their state, encoded by the old code, is decoded by
///   the new), except the suspended ones that a later `code_change` of the script converts;
///   one that is not suspended is suspended for the switch and resumed.
/// - `{code_change, up | down, [{Mod, Extra}]}`: each process suspended for the module that
///   runs it is changed to the module's new code with ``CodeChangeMode/advanced(extra:)``.
/// - `{resume, [Mod]}`: the processes suspended for the module go on.
/// - `{purge, [Mod]}`, and the post-purge methods of `load` and `remove`: after the whole
///   script succeeded, processes still on a replaced version of the module are killed
///   (`brutal_purge`) and the code server forgets the old code. Nothing is killed before the
///   script is known to succeed, so a rollback has nothing to revive.
/// - `{remove, {Mod, Pre, Post}}`: the module is forgotten (its processes keep the code they run).
/// - `{stop, [Mod]}` / `{start, [Mod]}`: the supervisors of the module's processes terminate
///   and restart them.
/// - `{apply, {M, F, A}}`: `application:start|stop|load|unload`, `supervisor:restart_child|
///   terminate_child|delete_child` are built in; any other `M` is a module of a loaded
///   application and ``Module/apply(_:_:)`` runs. What such a function does is the one
///   effect a rollback cannot take back.
/// - `restart_new_emulator` (first) and `restart_emulator` (last) end the run with an
///   ``Outcome`` that asks the caller to restart the runtime.
///
/// Before anything runs, the script is checked (only `load_object_code` and `apply` before
/// `point_of_no_return`; no `sync_nodes`, which needs peers) and a module replaced with
/// `soft_purge` that still has processes in old code refuses the install (`old_processes`).
public final class RelupExecutor {
    /// Loads an application's code for `load_object_code`: the application's name and version.
    public typealias Loader = (_ application: String, _ version: String) throws -> LoadedApplication

    /// How to run.
    public struct Options: Sendable {
        /// How long a `{suspend, [Mod]}` waits for each process (OTP's `default`: 5 seconds).
        public var suspendTimeout: Timeout
        /// How long a rollback waits to suspend a process again.
        public var undoTimeout: Timeout
        /// How long calls to supervisors (`stop`, `start`, `supervisor:*`) wait.
        public var callTimeout: Timeout
        /// The new release's configuration (`sys.config`: application → key → value), applied
        /// at `point_of_no_return`; `nil` leaves the environment as it is.
        public var configuration: [String: [String: Term]]?
        /// How long the whole script may wait on the processes it changes: a suspend (even
        /// one with timeout `infinity`) or a `codeChange` still waited for when this has passed
        /// since the run began fails the install, which rolls back. Default: no limit.
        public var timeLimit: Timeout

        public init(
            suspendTimeout: Timeout = .seconds(5),
            undoTimeout: Timeout = .seconds(30),
            callTimeout: Timeout = .seconds(5),
            configuration: [String: [String: Term]]? = nil,
            timeLimit: Timeout = .infinity
        ) {
            self.suspendTimeout = suspendTimeout
            self.undoTimeout = undoTimeout
            self.callTimeout = callTimeout
            self.configuration = configuration
            self.timeLimit = timeLimit
        }
    }

    /// How a run ended.
    public enum Outcome: Sendable {
        /// Every instruction ran and the changes are committed.
        case completed(Completion)
        /// The script starts with `restart_new_emulator`: nothing ran; the caller restarts the
        /// node on the new runtime and finishes `remaining` there.
        case restartNewEmulator(remaining: [RelupInstruction])
        /// The script ran and ends with `restart_emulator`: the caller restarts the node.
        case restartEmulator(Completion)
    }

    /// What a completed run did.
    public struct Completion: Sendable {
        /// Processes whose code changed, in order.
        public var changedProcesses: [Pid] = []
        /// Processes suspended at some point.
        public var suspendedProcesses: [Pid] = []
        /// Processes killed by a brutal purge after the run.
        public var killedProcesses: [Pid] = []
        /// The `{apply, ...}` calls that ran.
        public var applied: [String] = []
    }

    let node: Node
    let options: Options
    let loader: Loader
    /// Called before each instruction with its 1-based index (the crash-safety tests stop
    /// the node there).
    public var beforeInstruction: ((Int, RelupInstruction) -> Void)?

    public init(node: Node, options: Options = Options(), loader: @escaping Loader) {
        self.node = node
        self.options = options
        self.loader = loader
    }

    /// Loads linked applications by name and version (for tests and embedded use: each
    /// "version" is a Swift type linked into the host).
    public static func linkedLoader(node: Node, _ applications: [Application]) -> Loader {
        { name, version in
            guard let application = applications.first(where: { $0.name == name && $0.version == version }) else {
                throw RuntimeError(.loadFailed, "no application \(name) \(version) is linked into this program")
            }
            return try node.codeServer.load(application)
        }
    }

    // MARK: - Running

    /// Runs `script`. Throws a ``ReleaseHandlerError`` if the script cannot run (nothing
    /// changed), if an instruction before `point_of_no_return` fails (nothing switched; only
    /// the `apply` calls that ran stay done), or if one after it fails (everything rolled
    /// back: the error's ``ReleaseHandlerError/rollback`` says what was put back).
    public func run(_ script: [RelupInstruction]) throws(ReleaseHandlerError) -> Outcome {
        if script.first == .restartNewEmulator {
            try Self.check(Array(script.dropFirst()))
            return .restartNewEmulator(remaining: Array(script.dropFirst()))
        }
        try Self.check(script)
        try checkOldProcesses(script)
        var run = Run(script: script, deadline: .after(options.timeLimit))
        var index = 0
        while index < script.count {
            let instruction = script[index]
            beforeInstruction?(index + 1, instruction)
            if instruction == .restartEmulator {
                index += 1
                continue
            }
            do {
                try execute(instruction, at: index, &run)
            } catch {
                guard run.pastPointOfNoReturn else {
                    throw beforePointOfNoReturn(error, instruction: instruction, index: index, run: run)
                }
                let report = rollback(&run, failed: instruction, at: index)
                throw ReleaseHandlerError(
                    .instructionFailed,
                    "instruction \(index + 1), \(TermPrinter.printCompact(instruction.term)), failed: "
                        + Self.describe(error) + "; the old release is back",
                    rollback: report
                )
            }
            index += 1
        }
        let completion = commit(&run)
        return script.last == .restartEmulator ? .restartEmulator(completion) : .completed(completion)
    }

    private func beforePointOfNoReturn(
        _ error: any Error,
        instruction: RelupInstruction,
        index: Int,
        run: Run
    ) -> ReleaseHandlerError {
        let applied = run.completion.applied
        let note = applied.isEmpty ? "" : " (calls already made stay done: \(applied.joined(separator: ", ")))"
        if case .loadObjectCode = instruction {
            return ReleaseHandlerError(
                .loadFailed,
                "\(TermPrinter.printCompact(instruction.term)) failed: \(Self.describe(error)); nothing was switched"
                    + note
            )
        }
        return ReleaseHandlerError(
            .instructionFailed,
            "instruction \(index + 1), \(TermPrinter.printCompact(instruction.term)), failed before "
                + "point_of_no_return: \(Self.describe(error)); nothing was switched" + note
        )
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? RuntimeError { return error.message }
        if let error = error as? ReleaseHandlerError { return error.message }
        return "\(error)"
    }

    // MARK: - Checks before anything runs

    /// Refuses scripts this node cannot run.
    static func check(_ script: [RelupInstruction]) throws(ReleaseHandlerError) {
        let returns = script.indices.filter { script[$0] == .pointOfNoReturn }
        if returns.count > 1 {
            throw ReleaseHandlerError(.badScript, "the script has \(returns.count) point_of_no_return instructions")
        }
        let split = returns.first ?? script.count
        for (index, instruction) in script.enumerated() {
            let text = TermPrinter.printCompact(instruction.term)
            switch instruction {
            case .restartNewEmulator:
                throw ReleaseHandlerError(
                    .badScript,
                    "restart_new_emulator is instruction \(index + 1); it can only be the first"
                )
            case .restartEmulator where index != script.count - 1:
                throw ReleaseHandlerError(
                    .badScript,
                    "restart_emulator is instruction \(index + 1); it must be the last"
                )
            case .syncNodes:
                throw ReleaseHandlerError(
                    .badScript,
                    "\(text) needs other nodes; a swift-distill node upgrades alone"
                )
            case .loadObjectCode where index > split:
                throw ReleaseHandlerError(
                    .badScript,
                    "\(text) comes after point_of_no_return (instruction \(index + 1))"
                )
            case .loadObjectCode, .apply, .pointOfNoReturn, .restartEmulator:
                continue
            default:
                if index < split {
                    throw ReleaseHandlerError(
                        .badScript,
                        "\(text) (instruction \(index + 1)) comes before point_of_no_return, where only "
                            + "load_object_code and apply may be"
                    )
                }
            }
        }
    }

    /// OTP's `check_old_processes(Script, soft_purge)`: a module loaded or removed with
    /// `soft_purge` must have no process left in its old code.
    func checkOldProcesses(_ script: [RelupInstruction]) throws(ReleaseHandlerError) {
        for instruction in script {
            let module: String
            switch instruction {
            case .load(let name, .softPurge, _), .remove(let name, .softPurge, _): module = name
            default: continue
            }
            guard let old = node.codeServer.oldCode(module) else { continue }
            let pids = node.processes(runningAnyOf: [old.type])
            if !pids.isEmpty {
                throw ReleaseHandlerError(
                    .oldProcesses,
                    "module \(module) is replaced with soft_purge but \(pids.map(\.text).joined(separator: ", ")) "
                        + "still run its old code (\(old.image ?? "linked")); nothing was changed"
                )
            }
        }
    }
}

// MARK: - One run

extension RelupExecutor {
    /// Everything a run knows; the undo log is its heart.
    struct Run {
        let script: [RelupInstruction]
        /// When the script's waits end (``Options/timeLimit``).
        let deadline: Deadline
        /// For each instruction index, the modules a later `code_change` converts.
        let convertedLater: [Set<String>]
        var pastPointOfNoReturn = false
        /// Loaded and not yet current: module → its new code (and the application it is from).
        var staged: [String: (application: LoadedApplication, code: ModuleCode)] = [:]
        var stagedApplications: [LoadedApplication] = []
        /// Processes suspended per `suspend` target module, in order.
        var suspended: [(module: String, pids: [Pid])] = []
        var suspendedSet: Set<Pid> = []
        var log: [UndoEntry] = []
        /// Post-purge and `purge` work for after the run: module → kill processes on old code?
        var purges: [(module: String, brutal: Bool)] = []
        /// The code `remove` took away, for the purge after the run.
        var removed: [String: ModuleCode] = [:]
        /// Children `stop` terminated, per module, for `start`.
        var stopped: [String: [SupervisedChild]] = [:]
        var completion = Completion()

        init(script: [RelupInstruction], deadline: Deadline) {
            self.script = script
            self.deadline = deadline
            var later: [Set<String>] = Array(repeating: [], count: script.count)
            var seen: Set<String> = []
            for index in script.indices.reversed() {
                later[index] = seen
                if case .codeChange(_, let changes) = script[index] { seen.formUnion(changes.map(\.module)) }
            }
            convertedLater = later
        }

        func pids(suspendedFor module: String) -> [Pid] {
            suspended.filter { $0.module == module }.flatMap(\.pids)
        }
    }

    /// One reversible step.
    enum UndoEntry {
        case suspended(Pid)
        case resumed(Pid)
        case codeChanged(CodeChange, handled: Int, mode: CodeChangeMode, direction: CodeChangeDirection)
        case module(String, previous: CodeServer.ModuleVersions?)
        case application(String, previous: LoadedApplication?)
        case environment([String: [String: Term]])
        case startedApplication(String)
        case stoppedApplication(String)
        case terminatedChild(SupervisedChild)
        case restartedChild(SupervisedChild)
        case deletedChild(SupervisedChild)
        case applied(String)
    }

    func execute(_ instruction: RelupInstruction, at index: Int, _ run: inout Run) throws {
        switch instruction {
        case .loadObjectCode(let application, let version, let modules):
            try loadObjectCode(application, version, modules, &run)
        case .pointOfNoReturn:
            pointOfNoReturn(&run)
        case .suspend(let targets):
            for target in targets { try suspend(target, &run) }
        case .load(let module, let prePurge, let postPurge):
            try load(module, prePurge: prePurge, postPurge: postPurge, at: index, &run)
        case .codeChange(let direction, let changes):
            let way: CodeChangeDirection = direction == .down ? .down : .up
            for change in changes { try codeChange(change, direction: way, &run) }
        case .resume(let modules):
            for module in modules { resume(module, &run) }
        case .purge(let modules):
            for module in modules { run.purges.append((module, true)) }
        case .remove(let module, _, let postPurge):
            let previous = node.codeServer.versions(of: module)
            run.log.append(.module(module, previous: previous))
            if let previous { run.removed[module] = previous.current }
            node.codeServer.delete(module: module)
            run.purges.append((module, postPurge == .brutalPurge))
        case .stop(let modules):
            try stop(modules, &run)
        case .start(let modules):
            try start(modules, &run)
        case .apply(let call):
            try apply(call, &run)
        case .syncNodes, .restartNewEmulator, .restartEmulator:
            // Refused by `check` (sync_nodes, misplaced restarts) or handled by `run`.
            break
        }
    }

    private func loadObjectCode(_ name: String, _ version: String, _ modules: [String], _ run: inout Run) throws {
        let application: LoadedApplication
        if let known = run.stagedApplications.first(where: { $0.name == name }) {
            guard known.version == version else {
                throw RuntimeError(
                    .loadFailed,
                    "\(name) \(known.version) is loaded already; the script asks for \(version)"
                )
            }
            application = known
        } else {
            application = try loader(name, version)
            guard application.name == name, application.version == version else {
                throw RuntimeError(
                    .loadFailed,
                    "the code loaded for \(name) \(version) is \(application.name) \(application.version)"
                )
            }
            run.stagedApplications.append(application)
        }
        for module in modules {
            guard let code = application.modules.first(where: { $0.name == module }) else {
                let known = application.modules.map(\.name).joined(separator: ", ")
                throw RuntimeError(.unknownModule, "\(name) \(version) has no module '\(module)' (it has \(known))")
            }
            run.staged[module] = (application, code)
        }
    }

    private func pointOfNoReturn(_ run: inout Run) {
        run.pastPointOfNoReturn = true
        for application in run.stagedApplications {
            let previous = node.codeServer.setApplication(application.name, to: application)
            run.log.append(.application(application.name, previous: previous))
        }
        if let configuration = options.configuration {
            run.log.append(.environment(node.environmentSnapshot))
            node.replaceEnvironment(configuration, applications: run.stagedApplications.map(\.name))
        }
    }

    private func timeout(_ value: UpgradeTimeout?) -> Timeout {
        switch value {
        case nil, .default?: return options.suspendTimeout
        case .infinity?: return .infinity
        case .milliseconds(let ms)?: return .milliseconds(ms)
        }
    }

    private func suspend(_ target: SuspendedModule, _ run: inout Run) throws {
        var pids: [Pid] = []
        for pid in node.processes(usingModule: target.module) where !run.suspendedSet.contains(pid) {
            let own = Deadline.after(timeout(target.timeout))
            do {
                try suspend(pid, until: min(own, run.deadline))
            } catch let error as RuntimeError where error.code == .noProcess {
                continue
            } catch let error as RuntimeError where error.code == .suspendTimeout {
                throw RuntimeError(
                    .suspendTimeout,
                    "\(pid.text) (module \(target.module)) did not finish its current message "
                        + (run.deadline < own
                            ? "before the install's time limit (\(options.timeLimit)) passed"
                            : "within \(timeout(target.timeout))") + " to be suspended"
                )
            }
            run.log.append(.suspended(pid))
            run.suspendedSet.insert(pid)
            run.completion.suspendedProcesses.append(pid)
            pids.append(pid)
        }
        run.suspended.append((target.module, pids))
    }

    /// Changes `pid` to `code`, logging the change.
    private func change(
        _ pid: Pid,
        to code: ModuleCode,
        mode: CodeChangeMode,
        direction: CodeChangeDirection,
        _ run: inout Run
    ) throws {
        let handled = node.messagesHandled(pid) ?? 0
        let change: CodeChange
        do {
            change = try node.changeCode(pid, to: code, mode: mode, direction: direction, deadline: run.deadline)
        } catch let error as RuntimeError where error.code == .timeout {
            throw RuntimeError(.timeout, error.message + " (the install's time limit is \(options.timeLimit))")
        }
        run.log.append(.codeChanged(change, handled: handled, mode: mode, direction: direction))
        run.completion.changedProcesses.append(pid)
    }

    private func load(
        _ module: String,
        prePurge: PurgeMethod,
        postPurge: PurgeMethod,
        at index: Int,
        _ run: inout Run
    ) throws {
        guard let (application, code) = run.staged[module] else {
            throw RuntimeError(.unknownModule, "no load_object_code loaded module \(module)")
        }
        let previous = node.codeServer.versions(of: module)
        run.log.append(.module(module, previous: previous))
        try node.codeServer.makeCurrent(module: module, from: application)
        // Processes still on the code this one makes unreachable (the old code of an earlier
        // upgrade): a brutal pre-purge kills them once the script has succeeded.
        run.purges.append((module, postPurge == .brutalPurge || prePurge == .brutalPurge))
        guard let replaced = previous?.current, replaced.type != code.type else { return }
        let convertedLater = run.convertedLater[index].contains(module)
        for (pid, running) in node.processes(runningModule: module) where running.type == replaced.type {
            if run.suspendedSet.contains(pid) {
                if convertedLater { continue }
                try change(pid, to: code, mode: .soft, direction: .up, &run)
            } else {
                // Not suspended by the script (no child spec names the module): switch it
                // between two of its messages, as Erlang's next external call would.
                do {
                    try suspend(pid, until: min(.after(options.suspendTimeout), run.deadline))
                } catch let error as RuntimeError where error.code == .noProcess {
                    continue
                }
                run.log.append(.suspended(pid))
                run.completion.suspendedProcesses.append(pid)
                try change(pid, to: code, mode: .soft, direction: .up, &run)
                try? node.resume(pid)
                run.log.append(.resumed(pid))
            }
        }
    }

    private func codeChange(_ change: ModuleCodeChange, direction: CodeChangeDirection, _ run: inout Run) throws {
        let target: ModuleCode
        if let staged = run.staged[change.module] {
            target = staged.code
        } else {
            target = try node.codeServer.currentCode(change.module)
        }
        for pid in run.pids(suspendedFor: change.module) {
            guard let running = node.runningCode(pid), running.name == change.module, running.type != target.type
            else { continue }
            try self.change(pid, to: target, mode: .advanced(extra: change.extra), direction: direction, &run)
        }
    }

    /// Suspends `pid`, waiting for it until `deadline`.
    private func suspend(_ pid: Pid, until deadline: Deadline) throws {
        guard let process = node.process(pid) else {
            throw RuntimeError(.noProcess, "no process \(pid.text) to suspend")
        }
        try node.suspend(process, deadline: deadline)
    }

    private func resume(_ module: String, _ run: inout Run) {
        let pids = run.pids(suspendedFor: module)
        run.suspended.removeAll { $0.module == module }
        for pid in pids {
            try? node.resume(pid)
            run.suspendedSet.remove(pid)
            run.log.append(.resumed(pid))
        }
    }

    private func stop(_ modules: [String], _ run: inout Run) throws {
        let children = try node.supervisedProcesses(timeout: options.callTimeout)
        for module in modules {
            var stopped: [SupervisedChild] = []
            for child in children where child.modules.contains(module) {
                let reply = try node.call(
                    .pid(child.supervisor),
                    .tuple([.atom("terminate_child"), .atom(child.id)]),
                    timeout: options.callTimeout
                )
                guard reply == .atom("ok") else { continue }
                run.log.append(.terminatedChild(child))
                stopped.append(child)
            }
            run.stopped[module, default: []] += stopped
        }
    }

    private func start(_ modules: [String], _ run: inout Run) throws {
        for module in modules {
            for child in run.stopped.removeValue(forKey: module) ?? [] {
                let reply = try node.call(
                    .pid(child.supervisor),
                    .tuple([.atom("restart_child"), .atom(child.id)]),
                    timeout: options.callTimeout
                )
                guard reply.tupleElements?.first == .atom("ok") else {
                    throw RuntimeError(
                        .startFailed,
                        "restarting child \(child.id) of \(child.supervisor.text) for \(module) failed: "
                            + TermPrinter.printCompact(reply)
                    )
                }
                run.log.append(.restartedChild(child))
            }
        }
    }
}
