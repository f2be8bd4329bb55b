//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease

/// A release's directory as the release handler reads and writes it:
///
/// ```
/// releases/RELEASES  releases/start_erl.data          what boots (written on make_permanent)
/// releases/VSN/NAME.rel  relup  sys.config  NAME.tar.gz
/// releases/VSN/hooks/pre_upgrade.d/*  post_upgrade.d/*
/// lib/APP-VSN/ebin/APP.app  lib/APP-VSN/lib/*.so     an application and its plugin
/// erts-ERTS/bin/distill-run                            the runtime
/// ```
public struct ReleaseRoot: Hashable, Sendable {
    /// The release's directory (absolute).
    public var path: String
    /// The release's name.
    public var name: String

    public init(path: String, name: String) {
        self.path = path
        self.name = name
    }

    public func path(_ relative: String) -> String { path + "/" + relative }

    public var releasesFile: String { path("releases/RELEASES") }
    public var startErlData: String { path("releases/start_erl.data") }
    public func versionDirectory(_ version: String) -> String { path("releases/\(version)") }
    public func relFile(_ version: String) -> String { path("releases/\(version)/\(name).rel") }
    public func relup(_ version: String) -> String { path("releases/\(version)/relup") }
    public func sysConfig(_ version: String) -> String { path("releases/\(version)/sys.config") }
    public func tarball(_ version: String) -> String { path("releases/\(version)/\(name).tar.gz") }
    public func hooks(_ version: String, _ kind: String) -> String { path("releases/\(version)/hooks/\(kind).d") }
    public func launcher(ertsVersion: String) -> String { path("erts-\(ertsVersion)/bin/distill-run") }

    /// An application's directory as `RELEASES` names it (relative to the root, or absolute).
    public func libraryDirectory(_ directory: String) -> String {
        directory.hasPrefix("/") ? directory : path(directory)
    }

    // MARK: - Reading

    func read(_ file: String) throws(ReleaseHandlerError) -> String {
        do {
            return try FileSystem.readText(file)
        } catch {
            throw ReleaseHandlerError(.fileSystem, error.message)
        }
    }

    func releases() throws(ReleaseHandlerError) -> ReleasesFile {
        let text = try read(releasesFile)
        return try parse { () throws(ReleaseFileError) in try ReleasesFile(parsing: text, file: releasesFile) }
    }

    func startErl() throws(ReleaseHandlerError) -> StartErlData {
        let text = try read(startErlData)
        return try parse { () throws(ReleaseFileError) in try StartErlData(parsing: text, file: startErlData) }
    }

    func rel(_ version: String) throws(ReleaseHandlerError) -> ReleaseSpec {
        let file = relFile(version)
        let text = try read(file)
        return try parse { () throws(ReleaseFileError) in try ReleaseSpec(parsing: text, file: file) }
    }

    /// The relup of `version`, or `nil` if it has none.
    func relupFile(_ version: String) throws(ReleaseHandlerError) -> Relup? {
        let file = relup(version)
        guard FileSystem.exists(file) else { return nil }
        let text = try read(file)
        return try parse { () throws(ReleaseFileError) in try Relup(parsing: text, file: file) }
    }

    /// `sys.config` of `version` with `${VAR}` replaced from `environment` and included files
    /// merged: application → key → value. A missing file is an empty configuration.
    func configuration(_ version: String, environment: [String: String]) throws(ReleaseHandlerError)
        -> [String: [String: Term]]
    {
        let file = sysConfig(version)
        guard FileSystem.exists(file) else { return [:] }
        var result: [String: [String: Term]] = [:]
        try merge(file, environment: environment, into: &result, depth: 0)
        return result
    }

    private func merge(
        _ file: String,
        environment: [String: String],
        into result: inout [String: [String: Term]],
        depth: Int
    ) throws(ReleaseHandlerError) {
        guard depth < 8 else { throw ReleaseHandlerError(.configFailed, "\(file): configuration files include each other") }
        let text = try read(file)
        let config: SysConfig
        do {
            config = try SysConfig(parsing: text, file: file, environment: environment)
        } catch {
            throw ReleaseHandlerError(.configFailed, error.description)
        }
        for entry in config.entries {
            switch entry {
            case .application(let name, let parameters):
                for parameter in parameters { result[name, default: [:]][parameter.key] = parameter.value }
            case .include(let included):
                var target = included.hasPrefix("/") ? included : path(included)
                if !target.hasSuffix(".config") { target += ".config" }
                try merge(target, environment: environment, into: &result, depth: depth + 1)
            }
        }
    }

    private func parse<T>(_ body: () throws(ReleaseFileError) -> T) throws(ReleaseHandlerError) -> T {
        do {
            return try body()
        } catch {
            throw ReleaseHandlerError(.badRelease, error.description)
        }
    }

    // MARK: - Plugins

    /// Where an application's plugin is, and the runtime it was built against.
    public struct Plugin: Hashable, Sendable {
        /// The `.so` file (absolute).
        public var path: String
        /// The ``RuntimeImage/fingerprint`` recorded in the `.app` (`{distill_runtime,
        /// [{abi, N}, {fingerprint, "..."}]}`, the manifest's `runtime` entry), if any.
        public var runtimeFingerprint: String?
    }

    /// The plugin of the application in `directory` (`lib/APP-VSN`): the one `.so` in its
    /// `lib/` folder.
    func plugin(application: String, directory: String) throws(ReleaseHandlerError) -> Plugin {
        let libraryDirectory = libraryDirectory(directory)
        let objects = FileSystem.list(libraryDirectory + "/lib").filter { $0.hasSuffix(".so") }
        guard objects.count == 1 else {
            let found = objects.isEmpty ? "none" : objects.joined(separator: ", ")
            throw ReleaseHandlerError(
                .loadFailed,
                "\(libraryDirectory)/lib must hold the one plugin of \(application); found \(found)"
            )
        }
        var fingerprint: String?
        let appFile = libraryDirectory + "/ebin/\(application).app"
        if FileSystem.exists(appFile) {
            let text = try read(appFile)
            let spec = try parse { () throws(ReleaseFileError) in try ApplicationSpec(parsing: text, file: appFile) }
            if let runtime = spec.otherProperties.first(where: { $0.key == "distill_runtime" })?.value {
                fingerprint = runtime.listElements?.lazy.compactMap { element -> String? in
                    guard let pair = element.tupleElements, pair.count == 2, pair[0] == .atom("fingerprint") else {
                        return nil
                    }
                    return pair[1].stringValue
                }.first
            }
        }
        return Plugin(path: libraryDirectory + "/lib/" + objects[0], runtimeFingerprint: fingerprint)
    }
}
