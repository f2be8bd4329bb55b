//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An application: what a plugin exports (OTP's `.app` file plus the code).
///
/// A plugin returns one from its C entry point:
///
/// ```swift
/// @_cdecl("distill_application")
/// public func distillApplication() -> UnsafeMutableRawPointer {
///     Application(name: "kv", version: "0.1.0", start: KVSupervisor.self, modules: [KV.self, KVSupervisor.self])
///         .export()
/// }
/// ```
public struct Application: Sendable {
    /// The application's name (an atom).
    public var name: String
    /// Its version, as in the `.app` file's `vsn`.
    public var version: String
    public var description: String
    /// The top supervisor's module and start arguments (`mod`), if the application starts processes.
    public var start: (module: String, args: Term)?
    /// Every module (server, supervisor, library) of the application.
    public var modules: [any Module.Type]
    /// The names its processes register.
    public var registered: [String]
    /// The applications it needs running first.
    public var applications: [String]
    /// Configuration defaults (`env`), in order; `sys.config` overrides them.
    public var env: [(key: String, value: Term)]

    public init(
        name: String,
        version: String,
        description: String = "",
        start: (any Supervisor.Type)? = nil,
        startArgs: Term = [],
        modules: [any Module.Type],
        registered: [String] = [],
        applications: [String] = [],
        env: KeyValuePairs<String, Term> = [:]
    ) {
        self.name = name
        self.version = version
        self.description = description
        self.modules = modules
        if let start {
            self.start = (start.moduleName, startArgs)
            if !modules.contains(where: { $0 == start }) { self.modules.append(start) }
        }
        self.registered = registered
        self.applications = applications
        self.env = env.map { ($0.key, $0.value) }
    }

    /// The plugin ABI version this runtime speaks. ``export()`` bakes the value the plugin was
    /// compiled against into the plugin (it is inlined there), and the code server refuses a
    /// plugin whose value differs from its own.
    @inlinable
    public static var abiVersion: UInt32 { 1 }

    /// Hands the application to the runtime: the pointer `distill_application` returns.
    @inlinable
    public func export() -> UnsafeMutableRawPointer {
        _export(abiVersion: Application.abiVersion)
    }

    @usableFromInline
    func _export(abiVersion: UInt32) -> UnsafeMutableRawPointer {
        ApplicationExport.make(self, abiVersion: abiVersion)
    }
}

/// The memory behind the pointer a plugin's `distill_application` returns: a fixed C-layout
/// header (magic, ABI version) that the code server checks before it touches the Swift
/// object the header points to.
enum ApplicationExport {
    static let magic: UInt64 = 0x4453_544C_4150_5031  // "DSTLAPP1"

    final class Box {
        let application: Application
        init(_ application: Application) { self.application = application }
    }

    static func make(_ application: Application, abiVersion: UInt32) -> UnsafeMutableRawPointer {
        let header = UnsafeMutableRawPointer.allocate(byteCount: 24, alignment: 8)
        header.storeBytes(of: magic, as: UInt64.self)
        header.storeBytes(of: abiVersion, toByteOffset: 8, as: UInt32.self)
        header.storeBytes(
            of: Unmanaged.passRetained(Box(application)).toOpaque(),
            toByteOffset: 16,
            as: UnsafeMutableRawPointer.self
        )
        return header
    }

    /// Reads (and frees) what `make` returned; throws if it is not an application of this ABI.
    static func take(_ pointer: UnsafeMutableRawPointer, runtimeABI: UInt32, from path: String) throws -> Application {
        guard pointer.load(as: UInt64.self) == magic else {
            throw RuntimeError(.badPlugin, "\(path): distill_application did not return an exported Application")
        }
        let abi = pointer.load(fromByteOffset: 8, as: UInt32.self)
        guard abi == runtimeABI else {
            throw RuntimeError(
                .badPlugin,
                "\(path): built against plugin ABI \(abi), this runtime speaks \(runtimeABI); rebuild it"
            )
        }
        let box = Unmanaged<Box>.fromOpaque(pointer.load(fromByteOffset: 16, as: UnsafeMutableRawPointer.self))
            .takeRetainedValue()
        pointer.deallocate()
        return box.application
    }
}
