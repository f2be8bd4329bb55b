//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The code of one Swift type of an application, as the upgrade planner compares it
/// between two builds.
public struct TypeCode: Hashable, Sendable {
    /// What the code belongs to.
    public enum Kind: Hashable, Sendable {
        case `struct`, `class`, `enum`, `protocol`
        /// Module-scope functions and variables, extensions of other modules' types and
        /// conformances of other modules' types to this module's protocols.
        case moduleScope
    }

    /// The Swift module, e.g. `Demo`.
    public var module: String
    /// The module-qualified name, as `String(reflecting:)` and the demangler print it, e.g.
    /// `Demo.KV`; for ``Kind/moduleScope`` the module's name.
    public var name: String
    public var kind: Kind
    /// The fingerprint of all its symbols and of the shared helpers they use (see
    /// ``SwiftTypeIndex``), independent of symbol order.
    public var fingerprint: Fingerprint
    /// The mangled names of the symbols it owns, sorted.
    public var symbols: [String]
    /// The other types (``name``s of entries of the same index) whose symbols its code
    /// refers to: calls, metadata and witness tables, directly or through shared helpers.
    /// With ``SwiftTypeIndex/Options/includesExternalReferences`` also types of other
    /// modules (`Swift.Array`, `NIOCore.ByteBuffer`).
    public var references: Set<String>
}

/// Attributes the symbols of an application's object files to the Swift types that
/// declare them, and fingerprints each type's code.
///
/// **Which type owns a symbol.** A symbol belongs to the type its mangled name starts
/// with (``SwiftDemangler/context(of:)``): methods, initializers, accessors, closures and
/// local functions inside them, their generic and function-signature specializations,
/// protocol witnesses and witness tables for `T: P`, type metadata and its accessor, value
/// witnesses, nominal type and field descriptors. Nested types belong to their outermost
/// type (`Demo.KV.State` is part of `Demo.KV`), unless the nested type, or a type between,
/// is one of ``Options/units``: then to the innermost such unit. Local types declared in a
/// method belong to the method's type. Module-scope functions and variables, extensions of
/// other modules' types and conformances of other modules' types to this module's
/// protocols belong to the module (``TypeCode/Kind/moduleScope``).
///
/// **Shared helpers.** Symbols that no type of the application declares, yet that its
/// objects define, are folded into every type that uses them: specializations of other
/// modules' generic code (`Array<KV>.append`), merged functions, reabstraction thunks,
/// mangled-name strings and metadata caches, the runtime's `__swift_*` helpers, string
/// literals. A type's fingerprint covers its own symbols and, transitively, the helpers
/// they refer to; so if `KV`'s layout changes a specialization of `Array<KV>`, `KV`
/// changes, and so does any other type that calls that specialization.
///
/// **Inlining.** Code that the optimizer inlines from one type into another is part of
/// the caller's code, so changing an `@inlinable` (or small, same-module) method of `B`
/// changes the fingerprint of `A` that calls it as well. That is correct: `A`'s machine
/// code changed. To see a change in `B` only, keep `B`'s method out of line
/// (`@inline(never)`, or code too big to inline).
public struct SwiftTypeIndex: Sendable {
    /// Choices for attribution.
    public struct Options: Hashable, Sendable {
        /// Qualified names of nested types that are upgrade units of their own (registered
        /// server types declared inside another type).
        public var units: Set<String>
        /// Whether ``TypeCode/references`` lists other modules' types too.
        public var includesExternalReferences: Bool
        /// The application's modules; `nil` to use the modules whose descriptors
        /// (`$s<module>MXM`) the objects define.
        public var modules: Set<String>?
        /// How symbols are fingerprinted.
        public var fingerprinting: SymbolFingerprinter.Options

        public init(
            units: Set<String> = [],
            includesExternalReferences: Bool = false,
            modules: Set<String>? = nil,
            fingerprinting: SymbolFingerprinter.Options = .init()
        ) {
            self.units = units
            self.includesExternalReferences = includesExternalReferences
            self.modules = modules
            self.fingerprinting = fingerprinting
        }
    }

    /// Every type (and module scope) with code in the objects, by ``TypeCode/name``.
    public let types: [String: TypeCode]
    /// The application's modules.
    public let modules: Set<String>
    /// The owner (``TypeCode/name``) of every owned symbol; shared helpers are absent.
    public let owners: [String: String]

    /// Fingerprints and attributes the symbols of `objects`, the relocatable objects of
    /// one application (for SwiftPM, `.build/<configuration>/<Target>.build/*.o` of every
    /// target linked into the plugin).
    public init(objects: [ELFFile], options: Options = Options()) throws(ELFError) {
        let symbols = try SymbolFingerprinter(options: options.fingerprinting).fingerprintSymbols(in: objects)
        self.init(symbols: symbols, options: options)
    }

    /// Attributes symbols already fingerprinted by ``SymbolFingerprinter``.
    public init(symbols: [FingerprintedSymbol], options: Options = Options()) {
        var byName: [String: [FingerprintedSymbol]] = [:]
        for symbol in symbols { byName[symbol.name, default: []].append(symbol) }

        var modules = options.modules ?? []
        var objectModules: [Int: String] = [:]
        for symbol in symbols where symbol.name.hasSuffix("MXM") {
            guard let context = SwiftDemangler.context(of: symbol.name), context.types.isEmpty else { continue }
            if options.modules == nil { modules.insert(context.module) }
            objectModules[symbol.objectIndex] = objectModules[symbol.objectIndex] ?? context.module
        }
        let attribution = Attribution(modules: modules, units: options.units)

        // Who owns what.
        var owners: [String: String] = [:]
        var kinds: [String: (module: String, kind: TypeCode.Kind)] = [:]
        for (name, definitions) in byName {
            guard
                case .owned(let owner, let module, let kind) = attribution.owner(
                    of: name,
                    definedAs: definitions[0],
                    objectModule: objectModules[definitions[0].objectIndex]
                )
            else { continue }
            owners[name] = owner
            kinds[owner] = (module, kind)
        }

        // Names as integers: the walks below visit the shared helpers once per owner.
        var ids: [String: Int] = [:]
        var names: [String] = []
        func id(_ name: String) -> Int {
            if let id = ids[name] { return id }
            ids[name] = names.count
            names.append(name)
            return names.count - 1
        }
        var definedFingerprints: [(Int, Fingerprint, [Int])] = []
        for (name, definitions) in byName {
            let node = id(name)
            let distinct = Set(definitions.map(\.fingerprint))
            let fingerprint = distinct.count == 1 ? distinct.first! : Fingerprint.combining(distinct)
            definedFingerprints.append((node, fingerprint, Array(Set(definitions.flatMap(\.references))).map(id)))
        }
        var fingerprints = [Fingerprint?](repeating: nil, count: names.count)  // defined symbols only
        var edges = [[Int]](repeating: [], count: names.count)
        for (node, fingerprint, targets) in definedFingerprints {
            fingerprints[node] = fingerprint
            edges[node] = targets
        }
        var ownerOf = [String?](repeating: nil, count: names.count)
        for (symbol, owner) in owners { ownerOf[ids[symbol]!] = owner }
        var externals = [String??](repeating: nil, count: names.count)  // memo for undefined symbols and helpers
        func external(_ node: Int, includingExternal: Bool) -> String? {
            if let known = externals[node] { return known }
            let owner = attribution.undefinedOwner(names[node], includingExternal: includingExternal)
            externals[node] = .some(owner)
            return owner
        }

        // Each owner's symbols, the helpers they reach, and the owners they refer to.
        var owned: [String: [Int]] = [:]
        for (symbol, owner) in owners { owned[owner, default: []].append(ids[symbol]!) }
        var visited = [Int](repeating: -1, count: names.count)
        var types: [String: TypeCode] = [:]
        for (walk, (owner, roots)) in owned.enumerated() {
            var helpers: [Int] = []
            var references = Set<String>()
            var queue = roots
            for root in roots { visited[root] = walk }
            while let node = queue.popLast() {
                for target in edges[node] {
                    if let other = ownerOf[target] {
                        if other != owner { references.insert(other) }
                    } else if fingerprints[target] != nil {
                        guard visited[target] != walk else { continue }
                        visited[target] = walk
                        helpers.append(target)
                        queue.append(target)
                        // A specialization of `Swift.Array`, say, is a use of `Swift.Array`.
                        if options.includesExternalReferences, let other = external(target, includingExternal: true),
                            other != owner
                        {
                            references.insert(other)
                        }
                    } else if let other = external(target, includingExternal: options.includesExternalReferences),
                        other != owner
                    {
                        references.insert(other)
                    }
                }
            }
            var hasher = StableHasher()
            let symbolNames = roots.map { names[$0] }.sorted()
            hasher.combine(symbolNames.count)
            for name in symbolNames {
                hasher.combine(name)
                hasher.combine(fingerprints[ids[name]!]!)
            }
            hasher.combine(helpers.count)
            for name in helpers.map({ names[$0] }).sorted() {
                hasher.combine(name)
                hasher.combine(fingerprints[ids[name]!]!)
            }
            let (module, kind) = kinds[owner]!
            types[owner] = TypeCode(
                module: module,
                name: owner,
                kind: kind,
                fingerprint: hasher.finalize(),
                symbols: symbolNames,
                references: references
            )
        }
        self.types = types
        self.modules = modules
        self.owners = owners
    }
}

// MARK: - Attribution rules

extension SwiftTypeIndex {
    enum Owner: Equatable {
        case owned(String, module: String, kind: TypeCode.Kind)
        case helper
    }

    struct Attribution {
        let modules: Set<String>
        let units: Set<String>

        /// The owner of a defined symbol.
        func owner(of name: String, definedAs symbol: FingerprintedSymbol, objectModule: String?) -> Owner {
            guard let context = SwiftDemangler.context(of: name) else {
                // C entry points such as a plugin's `@_cdecl("distill_application")` belong
                // to the module that defines them; other unmangled names are helpers.
                let entry = symbol.symbol
                if !name.hasPrefix("$s"), !name.hasPrefix("_"), !name.hasPrefix("."), !name.contains(" "),
                    entry.binding == .global, entry.visibility == .default || entry.visibility == .protected,
                    let objectModule
                {
                    return .owned(objectModule, module: objectModule, kind: .moduleScope)
                }
                return .helper
            }
            if name.hasSuffix("MXM") && context.types.isEmpty { return .helper }  // module descriptor
            let demangled = SwiftDemangler.demangle(name) ?? ""
            if demangled.hasPrefix("merged ") || demangled.hasPrefix("reabstraction thunk")
                || demangled.hasPrefix("partial apply forwarder for reabstraction thunk")
            {
                return .helper
            }
            if modules.contains(context.module) {
                guard !context.types.isEmpty else {
                    return .owned(context.module, module: context.module, kind: .moduleScope)
                }
                // Caches and outlined value operations for a type made from ours (`Box<KV>`,
                // `KV?`, `(KV, Int)`) are emitted where that type is used: shared helpers.
                if Self.isUseSiteHelper(name), let type = context.qualifiedTypeName,
                    !Self.mentionsAlone(type, in: demangled)
                {
                    return .helper
                }
                return ownerType(context)
            }
            // Another module's type: extended, or conforming to one of our protocols, here.
            if let module = context.extensionModule ?? Self.extensionModule(demangled), modules.contains(module) {
                return .owned(module, module: module, kind: .moduleScope)
            }
            if demangled.contains(" : "), let module = modules.first(where: { demangled.hasSuffix(" in \($0)") }) {
                return .owned(module, module: module, kind: .moduleScope)
            }
            return .helper
        }

        /// The owner of a symbol the objects refer to but do not define: one of our types
        /// (defined in an object not given), or another module's type when asked for.
        func undefinedOwner(_ name: String, includingExternal: Bool) -> String? {
            guard let context = SwiftDemangler.context(of: name) else { return nil }
            if modules.contains(context.module) {
                guard !context.types.isEmpty else { return context.module }
                guard case .owned(let owner, _, _) = ownerType(context) else { return nil }
                return owner
            }
            guard includingExternal, !context.types.isEmpty else { return nil }
            return context.qualifiedName(depth: 1)
        }

        /// The unit a type context rolls up to: the innermost enclosing type that is a
        /// unit, else the outermost type.
        func ownerType(_ context: SwiftSymbolContext) -> Owner {
            var depth = 1
            for candidate in stride(from: context.types.count, through: 1, by: -1)
            where units.contains(context.qualifiedName(depth: candidate)) {
                depth = candidate
                break
            }
            let kind: TypeCode.Kind =
                switch context.types[depth - 1].kind {
                case .struct: .struct
                case .class: .class
                case .enum: .enum
                case .protocol: .protocol
                }
            return .owned(context.qualifiedName(depth: depth), module: context.module, kind: kind)
        }

        /// Whether a symbol is a cache or an outlined operation for a type, emitted where the
        /// type is used: demangling and lazy metadata caches (`MD`, `ML`), outlined copies,
        /// consumes and destroys (`WO…`), lazy witness table accessors and caches (`Wl`, `WL`).
        static func isUseSiteHelper(_ name: String) -> Bool {
            var name = Substring(name)
            if let dot = name.firstIndex(of: ".") { name = name[..<dot] }  // `.resume.0` and the like
            if name.hasSuffix("MD") || name.hasSuffix("ML") || name.hasSuffix("Wl") || name.hasSuffix("WL") {
                return true
            }
            return name.dropLast().hasSuffix("WO")
        }

        /// Whether `text` names `type` by itself: followed by the end or a space, not by
        /// generic arguments, `?` or a member.
        static func mentionsAlone(_ type: String, in text: String) -> Bool {
            let text = Array(text.utf8)
            let type = Array(type.utf8)
            guard !type.isEmpty, text.count >= type.count else { return false }
            let space = UInt8(ascii: " ")
            for start in 0...(text.count - type.count) where text[start..<start + type.count].elementsEqual(type) {
                let end = start + type.count
                if (end == text.count || text[end] == space) && (start == 0 || text[start - 1] == space) { return true }
            }
            return false
        }

        /// `M` from a demangled `(extension in M):…` or `static (extension in M):…`.
        static func extensionModule(_ demangled: String) -> String? {
            var text = Substring(demangled)
            if text.hasPrefix("static ") { text = text.dropFirst("static ".count) }
            guard text.hasPrefix("(extension in "), let end = text.firstIndex(of: ")") else { return nil }
            return String(text[text.index(text.startIndex, offsetBy: "(extension in ".count)..<end])
        }
    }
}
