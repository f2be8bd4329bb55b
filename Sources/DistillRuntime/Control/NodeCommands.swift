//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
import DistillTerm
import Glibc

extension ControlCommand {
    /// The node's own commands.
    ///
    /// | request | reply |
    /// | --- | --- |
    /// | `{ping, []}` | `pong` |
    /// | `{pid, []}` | the node's OS process id |
    /// | `{describe, []}` | a map: release, version, runtime, pid, uptime, schedulers, applications, images, processes |
    /// | `{versions, []}` | the releases `RELEASES` lists, with the running one marked |
    /// | `{stop, []}` | the pid; the node then stops cleanly and exits 0 |
    /// | `{restart, []}` | the pid; the node stops cleanly and boots again in the same process |
    /// | `{rpc, [Name, Request]}`, `{rpc, [Name, Request, TimeoutMs]}` | the reply of `gen_server:call(Name, Request)` |
    /// | `{cast, [Name, Request]}` | `ok` once `Request` is cast to `Name` |
    /// | `{send, [Name, Message]}` | `ok` once `Message` is sent to `Name` |
    /// | `{console, []}` | `ok`; the connection (a remote console's) has no idle timeout |
    /// | `{help, []}` | `[{Command, <<"summary">>}]` |
    public static let nodeCommands: [ControlCommand] = [
        ControlCommand("ping", summary: "check that the node answers") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            return .atom("pong")
        },
        ControlCommand("pid", summary: "the node's OS process id") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            return .integer(Int(getpid()))
        },
        ControlCommand("describe", summary: "the release, its applications, images and processes") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            return request.release.description()
        },
        ControlCommand("versions", summary: "the releases this node knows, the running one marked") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            return request.release.versions()
        },
        ControlCommand("stop", summary: "stop the node cleanly") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            let release = request.release
            request.afterReply { release.requestStop(.requested) }
            return .integer(Int(getpid()))
        },
        ControlCommand("restart", summary: "stop the node cleanly and boot it again in the same process") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            let release = request.release
            request.afterReply { release.requestStop(.restart) }
            return .integer(Int(getpid()))
        },
        ControlCommand("rpc", summary: "call a process: rpc Name Request [TimeoutMs]", takesLargeArguments: true) {
            request in
            try request.expectArguments(2...3, usage: "a name, a request and an optional timeout in ms")
            var timeout = Timeout.default
            if request.arguments.count == 3 {
                timeout = .milliseconds(try request.integer(at: 2, in: 0...maximumTimeout))
            }
            let destination = try request.destination(at: 0)
            do {
                return try request.node.call(destination, request.arguments[1], timeout: timeout)
            } catch let error as RuntimeError where error.code == .exited {
                let reason = error.reason.map { TermPrinter.printCompact($0.term, maximumBytes: 400) } ?? "unknown"
                throw ControlError(.exited, "\(destination) exited while handling the call: \(reason)")
            }
        },
        ControlCommand("cast", summary: "cast a request to a process: cast Name Request", takesLargeArguments: true) {
            request in
            try request.expectArguments(2...2, usage: "a name and a request")
            request.node.cast(try request.destination(at: 0), request.arguments[1])
            return .atom("ok")
        },
        ControlCommand("send", summary: "send a message to a process: send Name Message", takesLargeArguments: true) {
            request in
            try request.expectArguments(2...2, usage: "a name and a message")
            request.node.send(try request.destination(at: 0), request.arguments[1])
            return .atom("ok")
        },
        ControlCommand("console", summary: "this connection is a remote console: it is never closed for idling") {
            request in
            try request.expectArguments(0...0, usage: "no arguments")
            request.session?.markConsole()
            return .atom("ok")
        },
        ControlCommand("help", summary: "the commands this node answers") { request in
            try request.expectArguments(0...0, usage: "no arguments")
            return .list(ControlCommands.standard().all.map { .tuple([.atom($0.name), .binary($0.summary)]) })
        },
    ]
}

/// The longest timeout a request may give, in milliseconds: Erlang's (`receive ... after`).
let maximumTimeout = 4_294_967_295

extension ControlRequest {
    /// Argument `index` as a live destination: a registered name or a pid of this node.
    func destination(at index: Int) throws(ControlError) -> Destination {
        guard let term = argument(at: index), let destination = Destination(term) else {
            throw ControlError(.badArgument, "\(command): argument \(index + 1) must be a registered name or a pid")
        }
        switch destination {
        case .name(let name):
            guard node.whereis(name) != nil else {
                throw ControlError(.noProcess, "no process is registered as '\(name)'")
            }
        case .pid(let pid):
            guard node.isAlive(pid) else { throw ControlError(.noProcess, "no process \(pid.text)") }
        }
        return destination
    }
}

extension ReleaseNode {
    /// `describe`'s map.
    func description() -> Term {
        func text(_ value: String) -> Term { .string(value) }
        let now = monotonicNow()
        var applications: [Term] = []
        let running = Dictionary(
            node.runningApplications.map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        for application in plan.applications {
            var entry: [(Term, Term)] = [
                (.atom("name"), .atom(application.name)),
                (.atom("version"), text(application.version)),
                (.atom("type"), .atom(application.type.rawValue)),
            ]
            if let started = running[application.name] {
                entry.append((.atom("status"), .atom("running")))
                entry[1] = (.atom("version"), text(started.version))
                if let supervisor = started.supervisor { entry.append((.atom("supervisor"), .pid(supervisor))) }
            } else {
                // `load` applications (and included ones) are loaded only; others have exited.
                let status =
                    application.type == .unloaded
                    ? "not_loaded" : startedApplications.contains(application.name) ? "stopped" : "loaded"
                entry.append((.atom("status"), .atom(status)))
            }
            applications.append(.map(TermMap(entry)))
        }
        let images: [Term] = images.map { image in
            .map(
                TermMap([
                    (.atom("application"), .atom(image.application)), (.atom("version"), text(image.version)),
                    (.atom("path"), text(image.path)),
                ])
            )
        }
        var entries: [(Term, Term)] = [
            (.atom("release"), .atom(paths.name)),
            (.atom("version"), text(currentVersion)),
            (.atom("booted_version"), text(plan.version)),
            (.atom("erts"), text(plan.startErlData.ertsVersion)),
            (.atom("root"), text(paths.root)),
            (.atom("node"), .atom(node.name)),
            (.atom("pid"), .integer(Int(getpid()))),
            (.atom("heart"), .atom(underHeart ? "true" : "false")),
            (.atom("uptime_ms"), .integer(Int((now &- processStarted) / 1_000_000))),
            (.atom("processes"), .integer(node.processCount)),
            (.atom("schedulers"), .integer(plan.vmArgs.schedulers ?? Node.onlineProcessors)),
            (.atom("applications"), .list(applications)),
            (.atom("images"), .list(images)),
            (
                .atom("runtime"),
                .map(
                    TermMap([
                        (.atom("abi"), .integer(Int(Application.abiVersion))),
                        (.atom("fingerprint"), text(RuntimeImage.fingerprint)),
                    ])
                )
            ),
        ]
        if let boot = bootMilliseconds { entries.append((.atom("boot_ms"), .float((boot * 10).rounded() / 10))) }
        return .map(TermMap(entries))
    }

    /// `versions`' list: each release of `RELEASES` (or the running one alone if the file
    /// cannot be read) as `#{version, status, running}`.
    func versions() -> Term {
        let current = currentVersion
        var releases: [(version: String, status: String)] = []
        if let text = try? Posix.readText(paths.releasesFile),
            let file = try? ReleasesFile(parsing: text, file: paths.relative(paths.releasesFile))
        {
            releases = file.releases.map { ($0.version, $0.status.rawValue) }
        }
        if !releases.contains(where: { $0.version == current }) { releases.append((current, "current")) }
        return .list(
            releases.map { release in
                .map(
                    TermMap([
                        (.atom("version"), .string(release.version)),
                        (.atom("status"), .atom(release.status)),
                        (.atom("running"), .atom(release.version == current ? "true" : "false")),
                    ])
                )
            }
        )
    }
}
