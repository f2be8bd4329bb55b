//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillPlan
public import DistillRelease
public import DistillTerm

/// What a plugin says about itself: the term `distill-run manifest PLUGIN.so` prints.
///
/// ```erlang
/// {distill_manifest, 1, [
///     {application, kv}, {vsn, "0.1.0"}, {description, "..."},
///     {mod, {'KVSupervisor', []}},                       % or `undefined`
///     {modules, [{'KV', server, 1, [{state, {struct, "KV.KV.State", [{table, "Type", Shape}]}}]},
///                {'KVSupervisor', supervisor, 1, []}]},
///     {registered, [kv]}, {applications, []}, {env, [{port, 4000}]},
///     {runtime, [{abi, 1}, {fingerprint, "BUILD-ID"}]}]}
/// ```
///
/// The tool never loads plugin code itself: the launcher of the same build reads it.
public struct PluginManifest: Hashable, Sendable {
    /// One module the plugin registers.
    public struct Module: Hashable, Sendable {
        public var name: String
        public var kind: ModuleSnapshot.Kind
        /// The type's `static let vsn`.
        public var vsn: Term
        /// A server's `State` shape as the runtime describes it (`{struct, "M.T", [...]}`).
        public var state: Term?

        public init(name: String, kind: ModuleSnapshot.Kind, vsn: Term, state: Term? = nil) {
            self.name = name
            self.kind = kind
            self.vsn = vsn
            self.state = state
        }
    }

    public var application: String
    public var version: String
    public var description: String
    /// The top supervisor and its start arguments (`mod`).
    public var start: ApplicationSpec.StartModule?
    public var modules: [Module]
    public var registered: [String]
    public var applications: [String]
    public var environment: [ConfigParameter]
    /// The plugin ABI the plugin was compiled against.
    public var abi: Int
    /// The build-id of the libDistillRuntime.so that read the manifest.
    public var runtimeBuildID: String

    public init(
        application: String,
        version: String,
        description: String = "",
        start: ApplicationSpec.StartModule? = nil,
        modules: [Module],
        registered: [String] = [],
        applications: [String] = [],
        environment: [ConfigParameter] = [],
        abi: Int = 1,
        runtimeBuildID: String = ""
    ) {
        self.application = application
        self.version = version
        self.description = description
        self.start = start
        self.modules = modules
        self.registered = registered
        self.applications = applications
        self.environment = environment
        self.abi = abi
        self.runtimeBuildID = runtimeBuildID
    }

    /// Decodes the manifest term of the plugin at `plugin` (named in errors).
    public init(term: Term, plugin: String) throws(BuildError) {
        func fail(_ message: String) -> BuildError {
            BuildError(
                code: .invalidManifest,
                message: "the manifest of '\(plugin)' \(message)",
                detail: TermPrinter.print(term)
            )
        }
        guard let parts = term.tagged("distill_manifest"), parts.count == 2, let properties = parts[1].listElements
        else { throw fail("is not a {distill_manifest, 1, [...]} term") }
        guard parts[0] == 1 else { throw fail("has format \(parts[0]), this tool reads format 1") }
        var values: [String: Term] = [:]
        for property in properties {
            guard case .tuple(let pair) = property, pair.count == 2, let key = pair[0].atomValue else {
                throw fail("has an entry that is not a {Key, Value} pair: \(TermPrinter.printCompact(property))")
            }
            values[key] = pair[1]
        }
        func value(_ key: String) throws(BuildError) -> Term {
            guard let value = values[key] else { throw fail("has no '\(key)'") }
            return value
        }
        func atoms(_ key: String) throws(BuildError) -> [String] {
            let list = try value(key)
            guard let elements = list.listElements else { throw fail("has a '\(key)' that is not a list") }
            var names: [String] = []
            for element in elements {
                guard let name = element.atomValue else { throw fail("has a '\(key)' that is not a list of atoms") }
                names.append(name)
            }
            return names
        }
        guard let application = try value("application").atomValue else { throw fail("names no application") }
        guard let version = try value("vsn").stringValue else { throw fail("has a 'vsn' that is not a string") }
        self.application = application
        self.version = version
        description = values["description"]?.stringValue ?? ""
        switch try value("mod") {
        case .atom("undefined"): start = nil
        case .tuple(let pair) where pair.count == 2 && pair[0].atomValue != nil:
            start = ApplicationSpec.StartModule(module: pair[0].atomValue!, arguments: pair[1])
        case let other: throw fail("has a 'mod' that is neither undefined nor {Module, Args}: \(other)")
        }
        guard let moduleTerms = try value("modules").listElements else {
            throw fail("has a 'modules' that is not a list")
        }
        var modules: [Module] = []
        for moduleTerm in moduleTerms {
            guard case .tuple(let fields) = moduleTerm, fields.count == 4, let name = fields[0].atomValue,
                let kindName = fields[1].atomValue, let kind = ModuleSnapshot.Kind(rawValue: kindName),
                let moduleProperties = fields[3].listElements
            else {
                throw fail("has a module that is not {Name, server | supervisor | library, Vsn, [...]}: \(moduleTerm)")
            }
            var state: Term?
            for property in moduleProperties {
                if case .tuple(let pair) = property, pair.count == 2, pair[0] == .atom("state") { state = pair[1] }
            }
            modules.append(Module(name: name, kind: kind, vsn: fields[2], state: state))
        }
        self.modules = modules
        registered = try atoms("registered")
        applications = try atoms("applications")
        guard let environmentTerms = try value("env").listElements else {
            throw fail("has an 'env' that is not a list")
        }
        var environment: [ConfigParameter] = []
        for entry in environmentTerms {
            guard case .tuple(let pair) = entry, pair.count == 2, let key = pair[0].atomValue else {
                throw fail("has an 'env' entry that is not {Key, Value}: \(entry)")
            }
            environment.append(ConfigParameter(key: key, value: pair[1]))
        }
        self.environment = environment
        abi = 0
        runtimeBuildID = ""
        for entry in values["runtime"]?.listElements ?? [] {
            guard case .tuple(let pair) = entry, pair.count == 2 else { continue }
            if pair[0] == .atom("abi"), let number = pair[1].intValue { abi = number }
            if pair[0] == .atom("fingerprint"), let text = pair[1].stringValue { runtimeBuildID = text }
        }
    }
}

// MARK: - State shapes

extension PluginManifest.Module {
    /// The server's `State` as the snapshot records it: each field with its type spelt out,
    /// nested structs included (`KV.Entry{value: String, hits: Int}`), so a change deep
    /// inside the state changes the field's type.
    ///
    /// A field is `{Name, Shape}` or, as the runtime writes it, `{Name, "Full.Type.Name", Shape}`;
    /// the shape is what is compared (the full name of a struct does not change with its fields).
    public var stateShape: StateShape? {
        guard let state else { return nil }
        guard case .tuple(let parts) = state, parts.count == 3, parts[0] == .atom("struct"),
            let fields = parts[2].listElements
        else { return StateShape(fields: [StateShape.Field(name: "self", type: Self.typeName(state))]) }
        return StateShape(
            fields: fields.compactMap { field in
                guard let (name, shape) = Self.field(field) else { return nil }
                return StateShape.Field(name: name, type: Self.typeName(shape))
            }
        )
    }

    /// A field's name and shape: `{Name, Shape}` or `{Name, "Type", Shape}`.
    static func field(_ term: Term) -> (String, Term)? {
        guard case .tuple(let parts) = term, let name = parts.first?.atomValue else { return nil }
        switch parts.count {
        case 2: return (name, parts[1])
        case 3: return (name, parts[2])
        default: return nil
        }
    }

    /// A shape term as a Swift-like type name.
    static func typeName(_ shape: Term) -> String {
        guard case .tuple(let parts) = shape, let tag = parts.first?.atomValue else {
            return TermPrinter.printCompact(shape)
        }
        let name = parts.count > 1 ? parts[1].stringValue.map(shortName) : nil
        switch (tag, parts.count) {
        case ("type", 2), ("enum", 2), ("recursive", 2):
            return name ?? TermPrinter.printCompact(shape)
        case ("optional", 2): return typeName(parts[1]) + "?"
        case ("list", 2): return "[" + typeName(parts[1]) + "]"
        case ("set", 2): return "Set<" + typeName(parts[1]) + ">"
        case ("map", 3): return "[" + typeName(parts[1]) + ": " + typeName(parts[2]) + "]"
        case ("struct", 3):
            let fields = (parts[2].listElements ?? []).map { field -> String in
                guard let (fieldName, fieldShape) = Self.field(field) else { return TermPrinter.printCompact(field) }
                return fieldName + ": " + typeName(fieldShape)
            }
            return (name ?? "?") + "{" + fields.joined(separator: ", ") + "}"
        default:
            return TermPrinter.printCompact(shape)
        }
    }

    /// `Swift.String` → `String`; other modules keep their name, which says where a type lives.
    private static func shortName(_ qualified: String) -> String {
        qualified.hasPrefix("Swift.") ? String(qualified.dropFirst("Swift.".count)) : qualified
    }
}
