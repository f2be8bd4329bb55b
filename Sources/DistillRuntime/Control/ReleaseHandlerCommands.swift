//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Glibc
import Synchronization

extension ControlCommand {
    /// The release handler's commands (``ReleaseHandler``).
    ///
    /// | request | reply |
    /// | --- | --- |
    /// | `{unpack, [Vsn]}` | `#{version, status => unpacked, message}` |
    /// | `{install, [Vsn]}`, `{install, [Vsn, Options]}` | `#{from, to, microseconds, changed, restarting, message}` |
    /// | `{make_permanent, [Vsn]}` | `#{version, status => permanent, message}` |
    /// | `{upgrade, [Vsn]}`, `{upgrade, [Vsn, Options]}` | `#{version, unpacked, install, health_runs, permanent, restarting, log, message}` |
    /// | `{downgrade, [Vsn]}`, `{downgrade, [Vsn, Options]}` | as `install` |
    /// | `{remove, [Vsn]}` | `#{version, message}` |
    /// | `{versions, []}` | `[#{version, status, running}]`, statuses as the handler knows them (`current` included) |
    /// | `{which_releases, []}` | `[{Name, Vsn, Libs, Status}]`, as `release_handler:which_releases/0` |
    /// | `{releases, []}` | the handler's view: releases, command in progress, loaded images, image limit |
    ///
    /// `Options` is a list: `{health, <<"command">>}`, `{soak, Seconds}`, `{permanent, false}`,
    /// `{time_limit, Ms | infinity}` (how long the relup may wait on processes),
    /// `{env, [{<<"NAME">>, <<"value">>}]}` (the client's environment, for `${NAME}` in the new
    /// `sys.config`, the hooks and the health command). Errors are `{error, {Code, Message}}`
    /// with the codes of ``ReleaseHandlerError/Code-swift.struct`` (`busy`, `no_such_release`,
    /// `instruction_failed`, `health_check_failed`, ...); a rollback's report follows the
    /// message on the next lines.
    public static let releaseHandlerCommands: [ControlCommand] = [
        ControlCommand("unpack", summary: "unpack the release tarball at releases/VSN/REL.tar.gz") { request in
            try request.expectArguments(1...1, usage: "a version")
            let version = try request.string(at: 0)
            let handler = try request.releaseHandler()
            try request.handling { () throws(ReleaseHandlerError) in try handler.unpack(version) }
            return reply([
                "version": .binary(version), "status": .atom("unpacked"), "message": .binary("unpacked \(version)"),
            ])
        },
        ControlCommand(
            "install",
            summary: "install an unpacked release: it runs, but a reboot starts the permanent one",
            takesLargeArguments: true
        ) { request in
            try request.expectArguments(1...2, usage: "a version and optional options")
            let version = try request.string(at: 0)
            let options = try request.upgradeOptions(at: 1)
            let handler = try request.releaseHandler()
            let report = try request.handling { () throws(ReleaseHandlerError) in
                try handler.install(version, environment: options.environment, timeLimit: options.timeLimit)
            }
            request.release.currentVersion = handler.running
            request.recordImages()
            return installReply(report)
        },
        ControlCommand("make_permanent", summary: "make the running release the one a reboot starts") { request in
            try request.expectArguments(1...1, usage: "a version")
            let version = try request.string(at: 0)
            let handler = try request.releaseHandler()
            try request.handling { () throws(ReleaseHandlerError) in try handler.makePermanent(version) }
            return reply([
                "version": .binary(version), "status": .atom("permanent"),
                "message": .binary("\(version) is permanent"),
            ])
        },
        ControlCommand(
            "upgrade",
            summary:
                "unpack, install, check health, make permanent: upgrade VSN [--health CMD] [--soak S] [--no-permanent]",
            takesLargeArguments: true
        ) { request in
            try request.expectArguments(1...2, usage: "a version and optional options")
            let version = try request.string(at: 0)
            let options = try request.upgradeOptions(at: 1)
            let handler = try request.releaseHandler()
            let report = try request.handling { () throws(ReleaseHandlerError) in
                try handler.upgrade(version, options: options)
            }
            request.release.currentVersion = handler.running
            request.recordImages()
            return upgradeReply(report)
        },
        ControlCommand(
            "downgrade",
            summary: "install an older release in place and make it permanent",
            takesLargeArguments: true
        ) { request in
            try request.expectArguments(1...2, usage: "a version and optional options")
            let version = try request.string(at: 0)
            let options = try request.upgradeOptions(at: 1)
            let handler = try request.releaseHandler()
            let report = try request.handling { () throws(ReleaseHandlerError) in
                try handler.downgrade(version, environment: options.environment, timeLimit: options.timeLimit)
            }
            request.release.currentVersion = handler.running
            request.recordImages()
            return downgradeReply(report)
        },
        ControlCommand("remove", summary: "delete an unpacked or old release (never the permanent one)") { request in
            try request.expectArguments(1...1, usage: "a version")
            let version = try request.string(at: 0)
            let handler = try request.releaseHandler()
            try request.handling { () throws(ReleaseHandlerError) in try handler.remove(version) }
            return reply(["version": .binary(version), "message": .binary("removed \(version)")])
        },
        ControlCommand("versions", summary: "the releases: running, permanent, current, unpacked, old") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            let handler = try request.releaseHandler()
            let running = handler.running
            return .list(
                handler.releases.map { release in
                    .map(
                        TermMap(
                            [
                                (.atom("version"), .string(release.version)),
                                (.atom("status"), .atom(release.status.rawValue)),
                                (.atom("running"), .atom(release.version == running ? "true" : "false")),
                            ].sorted { $0.0 < $1.0 }
                        )
                    )
                }
            )
        },
        ControlCommand("which_releases", summary: "release_handler:which_releases/0") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            let handler = try request.releaseHandler()
            return .list(
                handler.releases.map { release in
                    .tuple([
                        .string(release.name), .string(release.version),
                        .list(release.libraries.map { .string("\($0.name)-\($0.version)") }),
                        .atom(release.status.rawValue),
                    ])
                }
            )
        },
        ControlCommand("releases", summary: "the release handler's view: releases, command in progress, images") {
            request in
            try request.expectArguments(0...0, usage: "no arguments")
            return try request.releaseHandler().description
        },
    ]

    private static func reply(_ entries: KeyValuePairs<String, Term>) -> Term {
        .map(TermMap(entries.map { (.atom($0.key), $0.value) }))
    }

    private static func installReply(_ report: InstallReport) -> Term {
        guard case .map(var map) = report.term else { return report.term }
        map[.atom("message")] = .binary(report.summary)
        return .map(map)
    }

    /// An install's reply that also says the release was made permanent (unless the runtime
    /// restarts into it, which makes it permanent once it runs).
    private static func downgradeReply(_ report: InstallReport) -> Term {
        guard case .map(var map) = report.term else { return report.term }
        let permanent = report.restarting ? "" : "\nmade \(report.to) permanent"
        map[.atom("message")] = .binary(report.summary + permanent)
        return .map(map)
    }

    private static func upgradeReply(_ report: UpgradeReport) -> Term { ReleaseHandler.upgradeReplyTerm(report) }
}

extension ControlRequest {
    /// The release handler of this node (attached at boot, or now).
    func releaseHandler() throws(ControlError) -> ReleaseHandler {
        do {
            return try ReleaseHandler.attached(to: release)
        } catch {
            throw ControlError(ControlError.Code(error.code.name), error.message)
        }
    }

    /// Runs a release handler command, turning its error into the reply's. If the command
    /// restarts the runtime, this connection gets its reply from the new runtime.
    @discardableResult
    func handling<R>(_ body: () throws(ReleaseHandlerError) -> R) throws(ControlError) -> R {
        do {
            return try ReleaseHandler.replying(on: connection, body)
        } catch {
            throw ControlError(ControlError.Code(error.code.name), error.description.droppingPrefix("error: "))
        }
    }

    /// Records the plugin images the handler loaded (for `describe`).
    func recordImages() {
        let known = Set(release.images.map(\.path))
        for image in node.codeServer.images {
            guard let path = image.image, !known.contains(path) else { continue }
            release.recordImage(application: image.name, version: image.version, path: path)
        }
    }

    /// Argument `index` as upgrade options (see ``ControlCommand/releaseHandlerCommands``).
    func upgradeOptions(at index: Int) throws(ControlError) -> UpgradeOptions {
        var options = UpgradeOptions()
        guard let term = argument(at: index) else { return options }
        guard let list = term.listElements else {
            throw ControlError(.badArgument, "\(command): the options must be a list of {Key, Value}")
        }
        func text(_ term: Term) -> String? {
            switch term {
            case .binary(let bytes): String(validating: bytes, as: UTF8.self)
            case .string(let text), .atom(let text): text
            default: nil
            }
        }
        for option in list {
            guard let pair = option.tupleElements, pair.count == 2, let key = pair[0].atomValue else {
                throw ControlError(
                    .badArgument,
                    "\(command): bad option \(TermPrinter.printCompact(option, maximumBytes: 80))"
                )
            }
            switch (key, pair[1]) {
            case ("health", let value):
                guard let command = text(value) else {
                    throw ControlError(.badArgument, "\(command): health must be a string")
                }
                options.health = command
            case ("soak", let value):
                options.soak = try soak(value)
            case ("time_limit", .atom("infinity")):
                options.timeLimit = .infinity
            case ("time_limit", .integer(let milliseconds)) where (1...maximumTimeout).contains(milliseconds):
                options.timeLimit = .milliseconds(milliseconds)
            case ("permanent", .atom(let flag)) where flag == "true" || flag == "false":
                options.makePermanent = flag == "true"
            case ("env", .list(let variables)):
                var environment: [String: String] = [:]
                for variable in variables {
                    guard let fields = variable.tupleElements, fields.count == 2, let name = text(fields[0]),
                        let value = text(fields[1])
                    else { throw ControlError(.badArgument, "\(command): env must be [{Name, Value}]") }
                    environment[name] = value
                }
                options.environment = environment
            default:
                throw ControlError(
                    .badArgument,
                    "\(command): bad option \(TermPrinter.printCompact(option, maximumBytes: 80))"
                )
            }
        }
        return options
    }

    /// The longest soak, in seconds: Erlang's longest timeout (2^32 - 1 ms, 49.7 days).
    static let maximumSoak = Double(maximumTimeout) / 1000

    /// A soak time in seconds: a number from 0 to ``maximumSoak``.
    private func soak(_ value: Term) throws(ControlError) -> Double {
        let seconds: Double? =
            switch value {
            case .integer(let whole): Double(whole)
            case .float(let fraction): fraction
            default: nil
            }
        guard let seconds, seconds.isFinite, (0...Self.maximumSoak).contains(seconds) else {
            throw ControlError(
                .badArgument,
                "\(command): soak must be a number of seconds from 0 to \(Self.maximumSoak), got "
                    + TermPrinter.printCompact(value, maximumBytes: 40)
            )
        }
        return seconds
    }
}

// MARK: - One handler per release node

extension ReleaseHandler {
    /// The handler of each release node. Held while a handler is made, so that two commands
    /// (or a command and the boot's ``attach(to:environment:)``) never make two handlers of
    /// one node: the second waits for the first and gets its handler.
    private static let handlers = Mutex<[ObjectIdentifier: ReleaseHandler]>([:])

    /// The release handler of `release`, made on first use.
    ///
    /// The node calls ``attach(to:environment:)`` when it boots, so that `RELEASES` is
    /// repaired before anything reads it and a restart's continuation is found; a command that
    /// comes first (the control socket answers before the boot attaches) makes it then, from
    /// the process environment as it is, and the boot gets the same handler.
    static func attached(to release: ReleaseNode) throws(ReleaseHandlerError) -> ReleaseHandler {
        try attach(to: release) { Posix.environment() }
    }

    /// The release handler of the node that booted `release`, made now if it has none yet
    /// (see ``init(node:configuration:booted:environment:)``): it restarts the runtime with
    /// `execve` (``execRestart(_:)``), reads its image limit from `sys.config`
    /// (`{distill, [{image_limit, N}]}`, default 16) and its archive limits (`{distill,
    /// [{archive_limits, [...]}]}`, ``Configuration/readArchiveLimits(_:)``), and the crash-test step from
    /// `environment`. A node has one handler: if it has one already, that one is returned.
    @discardableResult
    public static func attach(
        to release: ReleaseNode,
        environment: [String: String]
    ) throws(ReleaseHandlerError)
        -> ReleaseHandler
    {
        try attach(to: release) { environment }
    }

    private static func attach(
        to release: ReleaseNode,
        environment: () -> [String: String]
    ) throws(ReleaseHandlerError) -> ReleaseHandler {
        try handlers.withLock { (handlers) throws(ReleaseHandlerError) -> ReleaseHandler in
            if let handler = handlers[ObjectIdentifier(release)] { return handler }
            var configuration = Configuration(root: ReleaseRoot(path: release.paths.root, name: release.paths.name))
            configuration.restart = { [weak release] request in
                guard let release else { return }
                try ReleaseHandler.restartNode(release, request)
            }
            if let limit = release.node.environment("distill", "image_limit")?.intValue, limit > 0 {
                configuration.imageLimit = limit
            }
            try configuration.readArchiveLimits(release.node.environment("distill", "archive_limits"))
            let handler = try ReleaseHandler(
                node: release.node,
                configuration: configuration,
                booted: release.currentVersion,
                environment: environment()
            )
            // A node booted again in the same process (`restart`) replaces the old one's.
            handlers = handlers.filter { $0.value.configuration.root.path != release.paths.root }
            handlers[ObjectIdentifier(release)] = handler
            return handler
        }
    }
}
