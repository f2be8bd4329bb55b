//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// One build of one application, as the appup generator compares it with another: its
/// version, its modules (server, supervisor and library types) with their declared `vsn`,
/// a fingerprint of their code and the modules their code calls, each server's `State`
/// shape, and the fingerprint of the runtime it was built against.
///
/// The build makes snapshots from the plugin's ELF file and manifest, and stores each
/// in the release as `lib/APP-VSN/ebin/APP.snapshot` (``term``), so a later
/// `--upgrade` can diff against it without the old build tree.
public struct BuildSnapshot: Hashable, Sendable {
    /// The application's name.
    public var application: String
    /// The application's version (its `.app` `vsn`).
    public var version: String
    /// A fingerprint of the runtime (`DistillRuntime` and the Swift runtime) the plugin was
    /// built against: plugins built against different runtimes cannot be hot-loaded.
    public var runtimeFingerprint: String
    /// The modules, in the order the build lists them.
    public var modules: [ModuleSnapshot]

    public init(application: String, version: String, runtimeFingerprint: String, modules: [ModuleSnapshot]) {
        self.application = application
        self.version = version
        self.runtimeFingerprint = runtimeFingerprint
        self.modules = modules
    }

    /// The module named `name`, if there is one.
    public func module(named name: String) -> ModuleSnapshot? {
        modules.first { $0.name == name }
    }
}

/// One module (a server, supervisor or library type) of a ``BuildSnapshot``.
public struct ModuleSnapshot: Hashable, Sendable {
    /// What a module is, which decides how it is upgraded.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A server type: processes run its callbacks and hold its `State`.
        case server
        /// A supervisor type: processes that supervise others.
        case supervisor
        /// A library type: code that servers call, with no processes of its own.
        case library
    }

    /// The module's name: the type's name in the plugin's manifest.
    public var name: String
    public var kind: Kind
    /// The declared `static let vsn`, if the type declares one. A server bumps it when its
    /// `State` changes shape.
    public var vsn: Term?
    /// A fingerprint of the module's code: equal fingerprints, same code.
    public var fingerprint: String
    /// The modules whose code this module's code calls (other applications' names are
    /// ignored by the generator).
    public var references: [String]
    /// A server's `State`: its fields and their types, as the runtime's manifest mode
    /// reports them; `nil` for other modules.
    public var state: StateShape?

    public init(
        name: String,
        kind: Kind,
        vsn: Term? = nil,
        fingerprint: String,
        references: [String] = [],
        state: StateShape? = nil
    ) {
        self.name = name
        self.kind = kind
        self.vsn = vsn
        self.fingerprint = fingerprint
        self.references = references
        self.state = state
    }
}

/// The shape of a server's `State`: field names and type names, in declaration order.
public struct StateShape: Hashable, Sendable {
    /// One stored property.
    public struct Field: Hashable, Sendable {
        public var name: String
        /// The type as Swift spells it (`[String: Term]`).
        public var type: String

        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public var fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// How `new` differs from this shape.
    public func changes(to new: StateShape) -> [StateChange.FieldChange] {
        var changes: [StateChange.FieldChange] = []
        for field in new.fields {
            if let old = fields.first(where: { $0.name == field.name }) {
                if old.type != field.type { changes.append(.retyped(field.name, from: old.type, to: field.type)) }
            } else {
                changes.append(.gained(field))
            }
        }
        for field in fields where !new.fields.contains(where: { $0.name == field.name }) {
            changes.append(.lost(field))
        }
        return changes
    }
}

/// How a server's `State` changed between two builds.
public struct StateChange: Hashable, Sendable, CustomStringConvertible {
    /// One field's change.
    public enum FieldChange: Hashable, Sendable, CustomStringConvertible {
        case gained(StateShape.Field)
        case lost(StateShape.Field)
        case retyped(String, from: String, to: String)

        /// `gained field 'hits'`, `lost field 'x'`, `field 'y' changed type from A to B`.
        public var description: String {
            switch self {
            case .gained(let field): "gained field '\(field.name)'"
            case .lost(let field): "lost field '\(field.name)'"
            case .retyped(let name, let from, let to): "field '\(name)' changed type from \(from) to \(to)"
            }
        }
    }

    /// The server.
    public var module: String
    /// Its `vsn` before and after.
    public var oldVsn: Term?
    public var newVsn: Term?
    public var fields: [FieldChange]

    public init(module: String, oldVsn: Term?, newVsn: Term?, fields: [FieldChange]) {
        self.module = module
        self.oldVsn = oldVsn
        self.newVsn = newVsn
        self.fields = fields
    }

    /// `KV.State gained field 'hits' and lost field 'x'`.
    public var description: String {
        "\(module).State " + StateChange.sentence(fields.map(\.description))
    }

    static func sentence(_ parts: [String]) -> String {
        guard let last = parts.last else { return "" }
        return parts.count == 1 ? last : parts.dropLast().joined(separator: ", ") + " and " + last
    }
}
