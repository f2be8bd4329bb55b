//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
public import DistillPlan

/// Makes the ``DistillPlan/BuildSnapshot`` of one plugin build: the plugin's manifest (its
/// modules, their kinds, `vsn`s and `State` shapes) joined with the code of each module as
/// DistillELF reads it from the object files linked into the plugin.
///
/// Helpers the compiler emits into each object that needs them (``isPerObjectHelper(_:)``:
/// outlined copies and destroys, metadata caches, ...) are left out: their presence and
/// form depend on what else an object holds (an incremental build changes them without a
/// source change), and they follow from type layouts the types' own code and metadata show.
///
/// A module's fingerprint covers the code of its Swift type (methods, closures, witnesses,
/// nested types, the specializations it uses: ``DistillELF/SwiftTypeIndex``) and the code of
/// every type of the plugin that is *not* a module of its own but that the module's code
/// reaches, directly or through other such types: helpers are part of the module that calls
/// them, so a change in a helper changes that module and no other. The module's references
/// are the other modules its code reaches that way.
public enum SnapshotBuilder {
    /// The snapshot of the plugin whose manifest is `manifest` and whose object files (the
    /// ones the linker put into it) are `objects`.
    ///
    /// - Parameters:
    ///   - runtimeFingerprint: the runtime the plugin was built against (``RuntimeBundle``).
    ///   - pathPrefixes: directories whose names do not count in strings the code uses, so a
    ///     build elsewhere gives the same snapshot (see `SymbolFingerprinter.Options`).
    public static func snapshot(
        manifest: PluginManifest,
        objects: [String],
        runtimeFingerprint: String,
        pathPrefixes: [String] = []
    ) throws(BuildError) -> BuildSnapshot {
        var files: [ELFFile] = []
        for path in objects {
            do {
                files.append(try ELFFile(path: path))
            } catch {
                throw BuildError(code: .invalidBinary, message: "cannot read object file '\(path)': \(error)")
            }
        }
        let symbols: [FingerprintedSymbol]
        do {
            symbols = try SymbolFingerprinter(options: .init(pathPrefixes: pathPrefixes)).fingerprintSymbols(in: files)
                .filter { !isPerObjectHelper($0.name) }
        } catch {
            throw BuildError(
                code: .invalidBinary,
                message: "cannot fingerprint the code of '\(manifest.application)': \(error)"
            )
        }
        let names = manifest.modules.map(\.name)
        var index = SwiftTypeIndex(symbols: symbols)
        var types = try resolve(names, in: index, symbols: symbols, application: manifest.application)
        let nested = Set(types.values.filter { index.types[$0] == nil })
        if !nested.isEmpty {
            index = SwiftTypeIndex(symbols: symbols, options: .init(units: nested))
            types = try resolve(names, in: index, symbols: symbols, application: manifest.application)
        }
        let moduleByType = Dictionary(uniqueKeysWithValues: types.map { ($0.value, $0.key) })
        let modules = manifest.modules.map { module in
            let (fingerprint, references) = code(of: types[module.name]!, in: index, modules: moduleByType)
            return ModuleSnapshot(
                name: module.name,
                kind: module.kind,
                vsn: module.vsn,
                fingerprint: fingerprint.description,
                references: references,
                state: module.stateShape
            )
        }
        return BuildSnapshot(
            application: manifest.application,
            version: manifest.version,
            runtimeFingerprint: runtimeFingerprint,
            modules: modules
        )
    }

    /// The module's own fingerprint combined with those of the non-module types it reaches,
    /// and the modules it reaches.
    static func code(
        of typeName: String,
        in index: SwiftTypeIndex,
        modules: [String: String]
    ) -> (Fingerprint, [String]) {
        var helpers: Set<String> = []
        var references: Set<String> = []
        var queue = [typeName]
        while let current = queue.popLast() {
            for reference in index.types[current]?.references ?? [] where reference != typeName {
                if let module = modules[reference] {
                    references.insert(module)
                } else if helpers.insert(reference).inserted {
                    queue.append(reference)
                }
            }
        }
        let own = index.types[typeName]?.fingerprint ?? Fingerprint(high: 0, low: 0)
        let parts = [own] + helpers.sorted().compactMap { index.types[$0]?.fingerprint }
        // The module's own code first, so two modules sharing helpers never collide.
        return (Fingerprint.combining([own, Fingerprint.combining(parts)]), references.sorted())
    }

    /// The qualified type name of each module name (a module's name is its type's
    /// unqualified name, `String(describing:)`).
    private static func resolve(
        _ names: [String],
        in index: SwiftTypeIndex,
        symbols: [FingerprintedSymbol],
        application: String
    ) throws(BuildError) -> [String: String] {
        var byLastComponent: [String: [String]] = [:]
        for type in index.types.values where type.kind != .moduleScope {
            let last = type.name.split(separator: ".").last.map(String.init) ?? type.name
            byLastComponent[last, default: []].append(type.name)
        }
        var result: [String: String] = [:]
        var missing: [String] = []
        for name in names {
            if let candidates = byLastComponent[name], let first = candidates.sorted().first {
                result[name] = first
            } else {
                missing.append(name)
            }
        }
        guard !missing.isEmpty else { return result }
        // Nested types (`Outer.KV`) belong to their outermost type until named as units.
        var nested: [String: String] = [:]
        for symbol in symbols {
            guard let context = SwiftDemangler.context(of: symbol.name), context.types.count > 1,
                index.modules.contains(context.module)
            else { continue }
            for depth in 2...context.types.count {
                let name = context.types[depth - 1].name
                if missing.contains(name), nested[name] == nil {
                    nested[name] = context.qualifiedName(depth: depth)
                }
            }
        }
        for name in missing {
            guard let qualified = nested[name] else {
                throw BuildError(
                    code: .invalidManifest,
                    message: "application '\(application)' registers module '\(name)', but no type of that name "
                        + "has code in the plugin's object files"
                )
            }
            result[name] = qualified
        }
        return result
    }
}

/// Whether `name` is a helper the compiler emits into each object that needs it, whose
/// presence and form depend on what else that object holds: outlined value operations
/// (`…WOy` copy, `…WOe` consume, `…WOh` destroy, ...), demangling cache variables (`…MD`),
/// lazy witness table accessors and caches (`…Wl`, `…WL`), symbolic references
/// (`symbolic …`), `got.` entries, the runtime's `__swift_…` helpers and local labels
/// (`.L…`). The code that uses one names it; its own bytes follow from type layouts and
/// mangled names that the types' code and metadata already show.
func isPerObjectHelper(_ name: String) -> Bool {
    if name.hasPrefix(".L") || name.hasPrefix("symbolic ") || name.hasPrefix("got.") || name.hasPrefix("__swift_") {
        return true
    }
    guard name.hasPrefix("$s") else { return false }
    let tail = Array(name.utf8.suffix(3))
    guard tail.count == 3 else { return false }
    if tail[0] == UInt8(ascii: "W") && tail[1] == UInt8(ascii: "O")
        && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(tail[2])
    {
        return true
    }
    return name.hasSuffix("MD") || name.hasSuffix("Wl") || name.hasSuffix("WL")
}
