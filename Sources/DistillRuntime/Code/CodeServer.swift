//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDistillRuntime
import Glibc
import Logging
import Synchronization

/// An application as the code server holds it: its metadata and the code of its modules from
/// one image.
public struct LoadedApplication: Sendable {
    public let name: String
    public let version: String
    public let description: String
    public let start: (module: String, args: Term)?
    public let registered: [String]
    public let applications: [String]
    public let env: [(key: String, value: Term)]
    /// The plugin image (`nil` for an application registered from code linked into the host).
    public let image: String?
    /// Its modules' code, in the order the application lists them.
    public let modules: [ModuleCode]

    /// Reads `application`; throws if two of its modules have the same name (module names
    /// must be unique in a release, since upgrades and child specs name modules).
    init(_ application: Application, image: String?) throws {
        var seen: Set<String> = []
        for type in application.modules where !seen.insert(type.moduleName).inserted {
            throw RuntimeError(
                .badPlugin,
                "\(image ?? application.name): two modules are named '\(type.moduleName)'; "
                    + "give one another moduleName"
            )
        }
        name = application.name
        version = application.version
        description = application.description
        start = application.start
        registered = application.registered
        applications = application.applications
        env = application.env
        self.image = image
        modules = application.modules.map { ModuleCode(type: $0, application: application.name, image: image) }
    }
}

/// Erlang's code server: loads plugin images, and keeps for each module its current code
/// and the code it replaced (old).
///
/// Loading an image (``load(path:)``) only makes its code available; ``makeCurrent(_:)``
/// switches modules to it (OTP's `load_object_code` then `load`), so that the release handler
/// can suspend processes in between. Starting a process by module name
/// (``currentCode(_:)``) always takes the current code: a supervisor that restarts a child
/// after an upgrade starts the new code.
///
/// Images are opened with `dlopen(path, RTLD_NOW | RTLD_LOCAL)` and never closed: the Swift
/// runtime cannot unload an image (its type metadata, conformance records and string
/// literals are registered process-wide and referenced from other images' caches), so an
/// upgraded image stays mapped until the node restarts. Its cost is its mapped size (text
/// pages are shared with the page cache and mostly not resident once unused); each version
/// must live at its own path (`lib/APP-VSN/lib/libAPP.so`) since glibc hands back the already
/// loaded image for a path it has seen.
public final class CodeServer: Sendable {
    private struct Entry {
        var current: ModuleCode
        var old: ModuleCode?
    }

    private struct State {
        var modules: [String: Entry] = [:]
        var images: [String: LoadedApplication] = [:]
        var applications: [String: LoadedApplication] = [:]
        var adHoc: [ObjectIdentifier: ModuleCode] = [:]
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    // MARK: - Loading

    /// Opens the plugin at `path` (a full path) and reads its application, without making
    /// any of its code current. Loading the same path twice returns the first result.
    public func load(path: String) throws -> LoadedApplication {
        if let loaded = state.withLock({ $0.images[path] }) { return loaded }
        let application = try PluginImage.open(path)
        let loaded = try LoadedApplication(application, image: path)
        state.withLock { $0.images[path] = loaded }
        logger.info("loaded plugin", metadata: ["path": "\(path)", "application": "\(loaded.name)-\(loaded.version)"])
        return loaded
    }

    /// Takes an application whose code is linked into the host (tests, embedded use) as if
    /// it were loaded from a plugin: available, not current.
    public func load(_ application: Application) throws -> LoadedApplication {
        try LoadedApplication(application, image: nil)
    }

    /// Loads an application linked into the host and makes it current.
    @discardableResult
    public func register(_ application: Application) throws -> LoadedApplication {
        let loaded = try load(application)
        makeCurrent(loaded)
        return loaded
    }

    /// Makes every module of `application` current (the modules' previous current code
    /// becomes old, dropping older old code) and the application the current version of its name.
    public func makeCurrent(_ application: LoadedApplication) {
        state.withLock { state in
            for code in application.modules { Self.install(code, in: &state) }
            state.applications[application.name] = application
        }
    }

    /// Makes one module's code from `application` current (`{load, {Mod, ...}}`).
    public func makeCurrent(module: String, from application: LoadedApplication) throws {
        guard let code = application.modules.first(where: { $0.name == module }) else {
            throw RuntimeError(.unknownModule, "application \(application.name) has no module \(module)")
        }
        state.withLock { Self.install(code, in: &$0) }
    }

    private static func install(_ code: ModuleCode, in state: inout State) {
        if let entry = state.modules[code.name] {
            guard entry.current.type != code.type else { return }
            state.modules[code.name] = Entry(current: code, old: entry.current)
        } else {
            state.modules[code.name] = Entry(current: code, old: nil)
        }
    }

    /// Puts a module's old code back as current (undoing ``makeCurrent(module:from:)`` in a
    /// rollback); returns whether there was old code.
    @discardableResult
    public func revert(module: String) -> Bool {
        state.withLock { state in
            guard let entry = state.modules[module], let old = entry.old else { return false }
            state.modules[module] = Entry(current: old, old: nil)
            return true
        }
    }

    /// Forgets a module's old code (`code:purge/1`). The image stays mapped (see the type's
    /// documentation); processes still running the old code keep running it.
    public func purge(module: String) {
        state.withLock { state in state.modules[module]?.old = nil }
    }

    /// Forgets a module altogether (`{remove, {Mod, ...}}` after its last process is gone).
    public func delete(module: String) {
        _ = state.withLock { $0.modules.removeValue(forKey: module) }
    }

    // MARK: - Looking up

    /// The current code of `module`.
    public func currentCode(_ module: String) throws -> ModuleCode {
        guard let code = state.withLock({ $0.modules[module]?.current }) else {
            throw RuntimeError(.unknownModule, "no loaded application has a module named '\(module)'")
        }
        return code
    }

    /// The old code of `module`, if an upgrade replaced it and it was not purged.
    public func oldCode(_ module: String) -> ModuleCode? { state.withLock { $0.modules[module]?.old } }

    /// The current version of application `name`.
    public func application(_ name: String) -> LoadedApplication? { state.withLock { $0.applications[name] } }

    /// Every module's current code, by name.
    public var modules: [String: ModuleCode] { state.withLock { $0.modules.mapValues(\.current) } }

    /// The code of `type`: its registered code if the code server has exactly this type under
    /// its name, else code made for it on the spot (current only if its name was unknown).
    public func code(of type: any Module.Type) -> ModuleCode {
        state.withLock { state in
            if let entry = state.modules[type.moduleName] {
                if entry.current.type == type { return entry.current }
                if let old = entry.old, old.type == type { return old }
            }
            let key = ObjectIdentifier(type)
            if let made = state.adHoc[key] { return made }
            let made = ModuleCode(type: type, application: nil, image: nil)
            state.adHoc[key] = made
            if state.modules[type.moduleName] == nil { state.modules[type.moduleName] = Entry(current: made, old: nil) }
            return made
        }
    }
}

/// `dlopen` and the `distill_application` entry point.
enum PluginImage {
    /// The C entry point every plugin exports.
    static let entryPoint = "distill_application"

    static func open(_ path: String) throws -> Application {
        guard path.hasPrefix("/") else {
            throw RuntimeError(.loadFailed, "\(path): a plugin is loaded by its full path")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw RuntimeError(.loadFailed, "cannot load \(path): \(dlerrorText())")
        }
        let copies = RuntimeImage.mappedCopies()
        if copies.count > 1 {
            throw RuntimeError(
                .badPlugin,
                "\(path) brought a second copy of DistillRuntime into the process (\(copies.joined(separator: ", "))); "
                    + "a plugin must link libDistillRuntime.so, never its own copy"
            )
        }
        guard let symbol = dlsym(handle, entryPoint) else {
            throw RuntimeError(.badPlugin, "\(path) does not export '\(entryPoint)': \(dlerrorText())")
        }
        typealias Entry = @convention(c) () -> UnsafeMutableRawPointer?
        guard let exported = unsafeBitCast(symbol, to: Entry.self)() else {
            throw RuntimeError(.badPlugin, "\(path): \(entryPoint) returned NULL")
        }
        return try ApplicationExport.take(exported, runtimeABI: Application.abiVersion, from: path)
    }

    private static func dlerrorText() -> String {
        guard let message = dlerror() else { return "unknown error" }
        return String(cString: message)
    }
}

/// Facts about the loaded DistillRuntime image itself.
public enum RuntimeImage {
    /// The runtime's build fingerprint: the GNU build-id of libDistillRuntime.so (hex), which
    /// the linker derives from the image's contents. Plugins built against another runtime
    /// build cannot be hot-loaded into this one.
    public static var fingerprint: String {
        var bytes = [UInt8](repeating: 0, count: 64)
        let address = unsafeBitCast(anchor, to: UnsafeRawPointer.self)
        let count = distill_build_id(address, &bytes, bytes.count)
        guard count > 0 else { return "none" }
        return bytes.prefix(count).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The path of the loaded runtime image (libDistillRuntime.so, or the executable that
    /// links DistillRuntime statically, as a test runner does).
    public static var path: String? {
        let address = unsafeBitCast(anchor, to: UnsafeRawPointer.self)
        return distill_image_path(address).map { String(cString: $0) }
    }

    private static let anchor: @convention(c) () -> Void = {}

    /// Distinct files mapped into this process whose name starts with `libDistillRuntime`.
    public static func mappedCopies() -> [String] {
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(file) }
        var paths: [String] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let slash = text.firstIndex(of: "/") else { continue }
            let path = String(text[slash...]).trimmingSuffix("\n")
            let name = path.split(separator: "/").last.map(String.init) ?? path
            if name.hasPrefix("libDistillRuntime"), !paths.contains(path) { paths.append(path) }
        }
        return paths
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
