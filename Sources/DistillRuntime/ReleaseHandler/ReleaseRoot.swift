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
///
/// Names and versions come from release files whose readers refuse any that is not a plain
/// file name (``ReleaseName``), and from commands whose version is checked
/// (``checkVersion(_:)``); what the handler deletes, moves or loads is then reached through
/// ``ContainedPath``: from the root, one component at a time, never through a symbolic link.
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

    /// An application's directory as `RELEASES` names it (`lib/APP-VSN`, relative to the
    /// root: its reader refuses any other).
    public func libraryDirectory(_ directory: String) -> String { path(directory) }

    /// Refuses a version given to a command (`unpack VSN`) that is not a plain name: it
    /// becomes part of paths (`releases/VSN`).
    public static func checkVersion(_ version: String) throws(ReleaseHandlerError) {
        if let problem = ReleaseName.problem(in: version) {
            throw ReleaseHandlerError(.noSuchRelease, "no release can have the version \"\(version)\": \(problem)")
        }
    }

    /// `relative` below the root, resolved without following symbolic links.
    func contained(_ relative: String) throws(ReleaseHandlerError) -> ContainedPath {
        do {
            return try ContainedPath(root: path, relative)
        } catch {
            throw ReleaseHandlerError(.badRelease, error.message)
        }
    }

    /// Checks that each of `paths` (absolute, below the root) is inside the release with no
    /// symbolic link on the way, before anything is removed.
    func checkRemovable(_ paths: [String]) throws(ReleaseHandlerError) {
        for full in paths {
            guard full.hasPrefix(path + "/") else {
                throw ReleaseHandlerError(
                    .badRelease,
                    "'\(full)' is not inside the release \(path); nothing was removed"
                )
            }
            do {
                _ = try ContainedPath(root: path, String(full.dropFirst(path.count + 1))).kind()
            } catch {
                throw ReleaseHandlerError(.badRelease, "\(error.message); nothing was removed")
            }
        }
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
    func configuration(
        _ version: String,
        environment: [String: String]
    ) throws(ReleaseHandlerError)
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
        guard depth < 8 else {
            throw ReleaseHandlerError(.configFailed, "\(file): configuration files include each other")
        }
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
    /// `lib/` folder, a regular file that only the owner can change, in directories only the
    /// owner can change (``ContainedPath/checkTrusted()``).
    func plugin(application: String, directory: String) throws(ReleaseHandlerError) -> Plugin {
        let libraryDirectory = libraryDirectory(directory)
        let pluginDirectory = try contained(directory + "/lib")
        let objects: [String]
        do {
            objects = try pluginDirectory.list().filter { $0.hasSuffix(".so") }
        } catch {
            throw ReleaseHandlerError(.loadFailed, error.message)
        }
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
                fingerprint =
                    runtime.listElements?.lazy.compactMap { element -> String? in
                        guard let pair = element.tupleElements, pair.count == 2, pair[0] == .atom("fingerprint") else {
                            return nil
                        }
                        return pair[1].stringValue
                    }.first
            }
        }
        let plugin = try contained(directory + "/lib/" + objects[0])
        do {
            try plugin.checkTrusted()
        } catch {
            throw ReleaseHandlerError(.loadFailed, "refusing to load \(plugin.path): \(error.message)")
        }
        return Plugin(path: plugin.path, runtimeFingerprint: fingerprint)
    }
}
