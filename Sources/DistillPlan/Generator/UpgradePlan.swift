//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import DistillTerm

/// Plans an upgrade from the builds of one release to the builds of the next: an appup
/// per application that changed (generated, or the hand-written one checked), and a
/// summary of what changes.
public struct UpgradePlanner: Sendable {
    public init() {}

    /// The plan from `old` to `new` (one snapshot per application).
    ///
    /// - Parameter handWritten: hand-written appups by application name
    ///   (`rel/appups/APP/FROM_to_TO.appup`); each replaces the generated appup.
    public func plan(
        from old: [BuildSnapshot],
        to new: [BuildSnapshot],
        handWritten: [String: AppupFile] = [:]
    ) throws(PlanError) -> UpgradePlan {
        var applications: [UpgradePlan.Application] = []
        var runtimeChanged = false
        for snapshot in new {
            guard let before = old.first(where: { $0.application == snapshot.application }) else {
                applications.append(
                    UpgradePlan.Application(name: snapshot.application, status: .added, toVersion: snapshot.version)
                )
                continue
            }
            runtimeChanged = runtimeChanged || before.runtimeFingerprint != snapshot.runtimeFingerprint
            var application = UpgradePlan.Application(
                name: snapshot.application,
                status: .upgraded,
                fromVersion: before.version,
                toVersion: snapshot.version
            )
            if let file = handWritten[snapshot.application] {
                guard before.version != snapshot.version else {
                    throw PlanError(
                        code: .invalidAppup,
                        message: "'\(snapshot.application)' is \(snapshot.version) in both builds, so there is "
                            + "nothing for the hand-written appup to do",
                        application: snapshot.application,
                        version: snapshot.version,
                        file: file.path
                    )
                }
                let diff = try SnapshotDiff(before, snapshot)
                application.warnings = try HandWrittenAppup.check(file, from: before, to: snapshot)
                application.changes = diff.changes
                application.appup = try? file.contents.get()
                application.handWrittenAppup = file.path
            } else {
                let generated = try AppupGenerator().generate(from: before, to: snapshot)
                application.changes = generated.changes
                application.appup = generated.appup
                application.warnings = generated.warnings.filter { $0.code != .runtimeChanged }
                if generated.appup == nil { application.status = .unchanged }
            }
            applications.append(application)
        }
        for snapshot in old where !new.contains(where: { $0.application == snapshot.application }) {
            applications.append(
                UpgradePlan.Application(name: snapshot.application, status: .removed, fromVersion: snapshot.version)
            )
        }
        if Set(old.map(\.runtimeFingerprint)) != Set(new.map(\.runtimeFingerprint)) { runtimeChanged = true }
        var warnings: [PlanWarning] = []
        if runtimeChanged {
            warnings.append(
                PlanWarning(
                    code: .runtimeChanged,
                    message: "the new builds use another runtime: the upgrade restarts the node "
                        + "(restart_new_emulator) instead of switching code in place"
                )
            )
        }
        return UpgradePlan(applications: applications, runtimeChanged: runtimeChanged, warnings: warnings)
    }
}

/// What an upgrade does, application by application: printable as a readable plan
/// (``description``) and as JSON (`Encodable`).
public struct UpgradePlan: Hashable, Sendable, CustomStringConvertible {
    /// One application's part of the plan.
    public struct Application: Hashable, Sendable {
        /// What happens to the application.
        public enum Status: String, Hashable, Sendable, Encodable {
            /// In both releases, in another version.
            case upgraded
            /// In both releases, same version, same code: nothing to do.
            case unchanged
            /// Only in the new release (`add_application`).
            case added
            /// Only in the old release (`remove_application`).
            case removed
        }

        public var name: String
        public var status: Status
        public var fromVersion: String?
        public var toVersion: String?
        public var changes: ModuleChanges
        /// The appup the relup compiler will use, if the application needs one.
        public var appup: Appup?
        /// The hand-written appup's path, if one replaced the generated appup.
        public var handWrittenAppup: String?
        public var warnings: [PlanWarning]

        public init(
            name: String,
            status: Status,
            fromVersion: String? = nil,
            toVersion: String? = nil,
            changes: ModuleChanges = ModuleChanges(),
            appup: Appup? = nil,
            handWrittenAppup: String? = nil,
            warnings: [PlanWarning] = []
        ) {
            self.name = name
            self.status = status
            self.fromVersion = fromVersion
            self.toVersion = toVersion
            self.changes = changes
            self.appup = appup
            self.handWrittenAppup = handWrittenAppup
            self.warnings = warnings
        }
    }

    public var applications: [Application]
    /// Whether the runtime changed, so that the upgrade restarts the node.
    public var runtimeChanged: Bool
    /// Warnings about the whole upgrade (each application has its own too).
    public var warnings: [PlanWarning]

    public init(applications: [Application], runtimeChanged: Bool, warnings: [PlanWarning]) {
        self.applications = applications
        self.runtimeChanged = runtimeChanged
        self.warnings = warnings
    }

    /// Every warning: the plan's, then each application's.
    public var allWarnings: [PlanWarning] { warnings + applications.flatMap(\.warnings) }

    /// The plan as people read it:
    ///
    /// ```
    /// kv 0.1.0 -> 0.2.0 (generated appup)
    ///   add      KVCache
    ///   load     KVLib
    ///   update   KV (soft)
    ///   update   KVStats (advanced: vsn 1 -> 2; KVStats.State gained field 'hits')
    ///   update   KVSupervisor (supervisor)
    ///   delete   KVOld
    /// metrics 1.0.0 (new application)
    /// legacy 0.3.0 (removed)
    /// ```
    public var description: String {
        var lines: [String] = []
        for application in applications {
            let from = application.fromVersion ?? ""
            let to = application.toVersion ?? ""
            switch application.status {
            case .added: lines.append("\(application.name) \(to) (new application)")
            case .removed: lines.append("\(application.name) \(from) (removed)")
            case .unchanged: lines.append("\(application.name) \(to) (unchanged)")
            case .upgraded:
                let source = application.handWrittenAppup.map { "hand-written appup \($0)" } ?? "generated appup"
                lines.append("\(application.name) \(from) -> \(to) (\(source))")
                let changes = application.changes
                if changes.isEmpty { lines.append("  no module changed") }
                func add(_ verb: String, _ names: [String], _ note: (String) -> String = { _ in "" }) {
                    for name in names { lines.append("  " + verb.padding(9) + name + note(name)) }
                }
                add("add", changes.added)
                add("load", changes.loaded)
                add("update", changes.softUpdated) { _ in " (soft)" }
                add("update", changes.advancedUpdated) { name in
                    var note = " (advanced"
                    if let state = changes.stateChanges.first(where: { $0.module == name }) {
                        let vsn =
                            "\(state.oldVsn.map { "\($0)" } ?? "none") -> \(state.newVsn.map { "\($0)" } ?? "none")"
                        note += ": vsn \(vsn); \(state)"
                    }
                    return note + ")"
                }
                add("update", changes.supervisorUpdated) { _ in " (supervisor)" }
                add("delete", changes.deleted)
            }
        }
        if runtimeChanged { lines.append("runtime changed: the node restarts (restart_new_emulator)") }
        for warning in allWarnings { lines.append(warning.description) }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: Swift.max(1, width - count))
    }
}

// MARK: - JSON

extension UpgradePlan: Encodable {
    private enum CodingKeys: String, CodingKey {
        case applications
        case runtimeChanged = "runtime_changed"
        case warnings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(applications, forKey: .applications)
        try container.encode(runtimeChanged, forKey: .runtimeChanged)
        try container.encode(warnings, forKey: .warnings)
    }
}

extension UpgradePlan.Application: Encodable {
    private enum CodingKeys: String, CodingKey {
        case name, status, from, to, appup
        case handWritten = "hand_written"
        case added, deleted, loaded
        case softUpdated = "soft_updated"
        case advancedUpdated = "advanced_updated"
        case supervisorUpdated = "supervisor_updated"
        case stateChanges = "state_changes"
        case warnings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(fromVersion, forKey: .from)
        try container.encodeIfPresent(toVersion, forKey: .to)
        try container.encodeIfPresent(appup.map { TermPrinter.print($0.term) }, forKey: .appup)
        try container.encodeIfPresent(handWrittenAppup, forKey: .handWritten)
        try container.encode(changes.added, forKey: .added)
        try container.encode(changes.deleted, forKey: .deleted)
        try container.encode(changes.loaded, forKey: .loaded)
        try container.encode(changes.softUpdated, forKey: .softUpdated)
        try container.encode(changes.advancedUpdated, forKey: .advancedUpdated)
        try container.encode(changes.supervisorUpdated, forKey: .supervisorUpdated)
        try container.encode(changes.stateChanges, forKey: .stateChanges)
        try container.encode(warnings, forKey: .warnings)
    }
}

extension StateChange: Encodable {
    private enum CodingKeys: String, CodingKey {
        case module
        case oldVsn = "old_vsn"
        case newVsn = "new_vsn"
        case fields
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(module, forKey: .module)
        try container.encodeIfPresent(oldVsn.map { "\($0)" }, forKey: .oldVsn)
        try container.encodeIfPresent(newVsn.map { "\($0)" }, forKey: .newVsn)
        try container.encode(fields.map(\.description), forKey: .fields)
    }
}

extension PlanWarning: Encodable {
    private enum CodingKeys: String, CodingKey {
        case code, message, application, term
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code.name, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(application, forKey: .application)
        try container.encodeIfPresent(term.map { "\($0)" }, forKey: .term)
    }
}
