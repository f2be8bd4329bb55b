//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import DistillTerm

/// What a boot starts, read from a release directory before anything is loaded:
///
/// 1. `releases/start_erl.data` names the runtime and release versions (OTP's scripts read it
///    the same way; an upgrade made permanent rewrites it);
/// 2. `releases/VSN/NAME.rel` lists the applications, their versions and start types;
/// 3. `releases/VSN/vm.args` (optional) gives the node's flags (``VMArgs``);
/// 4. `releases/VSN/sys.config` (optional) gives the applications' configuration, with
///    `${VAR}` replaced from the environment (after `vm.args`' `-env` flags) and included
///    files (`"other.config"`, relative to the release root) merged in place;
/// 5. each application's `lib/APP-VSN/ebin/APP.app`, whose name and version must match the
///    `.rel`, and its plugin: the one `.so` file in `lib/APP-VSN/lib/` (the release builder
///    writes exactly one, `libPRODUCT-VSN.so`).
///
/// ``applications`` are in start order: the `.rel`'s order, except that an application comes
/// after the applications its `.app` lists in `applications` (as `systools` orders a boot
/// script). An application needing one the release lacks is an error unless the `.app` lists
/// it in `optional_applications`.
public struct BootPlan: Sendable {
    /// One application of the release.
    public struct Application: Hashable, Sendable {
        public var name: String
        public var version: String
        /// The start type from the `.rel` (`permanent` if not written).
        public var type: ApplicationType
        /// The `.app` file's contents.
        public var spec: ApplicationSpec
        /// The plugin's full path (`nil` for type `none`, which is neither loaded nor started).
        public var plugin: String?
    }

    /// One application's configuration from `sys.config`, includes merged.
    public struct Configuration: Hashable, Sendable {
        public var application: String
        public var parameters: [ConfigParameter]
    }

    public var paths: ReleasePaths
    public var startErlData: StartErlData
    public var release: ReleaseSpec
    /// The applications in start order.
    public var applications: [Application]
    /// `sys.config`, in file order.
    public var configuration: [Configuration]
    public var vmArgs: VMArgs

    /// The release version being booted.
    public var version: String { release.version }

    /// Reads everything a boot needs (see the type's documentation); `environment` is the
    /// process environment, to which `vm.args`' `-env` flags are added for `sys.config`.
    public static func read(paths: ReleasePaths, environment: [String: String]) throws(BootError) -> BootPlan {
        // A restart of the runtime by the release handler boots the release it installs.
        let startErlData: StartErlData
        if let override = ReleaseHandler.bootOverride(environment: environment) {
            startErlData = override
        } else {
            startErlData = try parse(paths.startErlData, paths) { (text, file) throws(ReleaseFileError) in
                try StartErlData(parsing: text, file: file)
            }
        }
        let version = startErlData.releaseVersion
        let release = try parse(paths.relFile(version), paths) { (text, file) throws(ReleaseFileError) in
            try ReleaseSpec(parsing: text, file: file)
        }
        let relFile = paths.relative(paths.relFile(version))
        guard release.name == paths.name else {
            throw BootError(.invalidFile, "the release is named '\(release.name)', not '\(paths.name)'", file: relFile)
        }
        guard release.version == version else {
            throw BootError(
                .invalidFile,
                "the release's version is '\(release.version)' but start_erl.data names '\(version)'",
                file: relFile
            )
        }
        var vmArgs = VMArgs()
        if Posix.exists(paths.vmArgs(version)) {
            let text = try readText(paths.vmArgs(version), paths)
            vmArgs = try VMArgs(parsing: text, file: paths.relative(paths.vmArgs(version)), environment: environment)
        }
        var configurationEnvironment = environment
        for variable in vmArgs.environment { configurationEnvironment[variable.key] = variable.value }
        var configuration: [Configuration] = []
        if Posix.exists(paths.sysConfig(version)) {
            configuration = try readConfiguration(
                paths.sysConfig(version),
                paths: paths,
                environment: configurationEnvironment,
                nested: false
            )
        }
        var applications: [Application] = []
        for entry in release.applications {
            applications.append(try readApplication(entry, paths: paths, relFile: relFile))
        }
        return BootPlan(
            paths: paths,
            startErlData: startErlData,
            release: release,
            applications: try startOrder(applications, release: release.name),
            configuration: configuration,
            vmArgs: vmArgs
        )
    }

    /// Reads only `start_erl.data` and the `vm.args` of the release it names: what a launcher
    /// needs to decide whether to run heart, and what heart needs before each restart.
    public static func readFlags(
        paths: ReleasePaths,
        environment: [String: String]
    ) throws(BootError) -> (startErlData: StartErlData, vmArgs: VMArgs) {
        let startErlData = try parse(paths.startErlData, paths) { (text, file) throws(ReleaseFileError) in
            try StartErlData(parsing: text, file: file)
        }
        let path = paths.vmArgs(startErlData.releaseVersion)
        guard Posix.exists(path) else { return (startErlData, VMArgs()) }
        let text = try readText(path, paths)
        return (startErlData, try VMArgs(parsing: text, file: paths.relative(path), environment: environment))
    }

    // MARK: - Files

    private static func readText(_ path: String, _ paths: ReleasePaths) throws(BootError) -> String {
        do {
            return try Posix.readText(path)
        } catch {
            throw BootError(.unreadableFile, "cannot read the file: \(error.reason)", file: paths.relative(path))
        }
    }

    private static func parse<T>(
        _ path: String,
        _ paths: ReleasePaths,
        _ decode: (String, String) throws(ReleaseFileError) -> T
    ) throws(BootError) -> T {
        let text = try readText(path, paths)
        do {
            return try decode(text, paths.relative(path))
        } catch {
            throw BootError(error)
        }
    }

    private static func readConfiguration(
        _ path: String,
        paths: ReleasePaths,
        environment: [String: String],
        nested: Bool
    ) throws(BootError) -> [Configuration] {
        let sysConfig = try parse(path, paths) { (text, file) throws(ReleaseFileError) in
            try SysConfig(parsing: text, file: file, environment: environment)
        }
        var merged: [Configuration] = []
        func merge(_ application: String, _ parameters: [ConfigParameter]) {
            guard let index = merged.firstIndex(where: { $0.application == application }) else {
                merged.append(Configuration(application: application, parameters: parameters))
                return
            }
            for parameter in parameters {
                if let existing = merged[index].parameters.firstIndex(where: { $0.key == parameter.key }) {
                    merged[index].parameters[existing] = parameter
                } else {
                    merged[index].parameters.append(parameter)
                }
            }
        }
        for entry in sysConfig.entries {
            switch entry {
            case .application(let name, let parameters):
                merge(name, parameters)
            case .include(let included):
                guard !nested else {
                    throw BootError(
                        .invalidFile,
                        "an included config file cannot include another ('\(included)')",
                        file: paths.relative(path)
                    )
                }
                var file = included.hasPrefix("/") ? included : paths.root + "/" + included
                if !file.hasSuffix(".config") { file += ".config" }
                for configuration in try readConfiguration(file, paths: paths, environment: environment, nested: true) {
                    merge(configuration.application, configuration.parameters)
                }
            }
        }
        return merged
    }

    private static func readApplication(
        _ entry: ReleaseSpec.Application,
        paths: ReleasePaths,
        relFile: String
    ) throws(BootError) -> Application {
        let appFile = paths.appFile(entry.name, entry.version)
        let spec = try parse(appFile, paths) { (text, file) throws(ReleaseFileError) in
            try ApplicationSpec(parsing: text, file: file)
        }
        guard spec.name == entry.name, spec.version == entry.version else {
            throw BootError(
                .invalidFile,
                "the file describes application '\(spec.name)' version '\(spec.version)', but \(relFile) "
                    + "lists '\(entry.name)' version '\(entry.version)'",
                file: paths.relative(appFile)
            )
        }
        var plugin: String?
        if entry.effectiveType != .unloaded {
            plugin = try findPlugin(entry.name, entry.version, paths: paths)
        }
        return Application(
            name: entry.name,
            version: entry.version,
            type: entry.effectiveType,
            spec: spec,
            plugin: plugin
        )
    }

    /// The one `.so` file in `lib/APP-VSN/lib/`, reached from the root without following a
    /// symbolic link: a regular file that only its owner can change, in directories only the
    /// owner can change, up to the root (``ContainedPath/checkTrusted()``). The name and the
    /// version are plain names (the `.rel` reader refuses others).
    static func findPlugin(_ name: String, _ version: String, paths: ReleasePaths) throws(BootError) -> String {
        let directory = paths.pluginDirectory(name, version)
        let names: [String]
        let relative = "lib/\(name)-\(version)/lib"
        do throws(ContainedPath.Failure) {
            let contained = try ContainedPath(root: paths.root, relative)
            guard try contained.kind() == .directory else {
                throw ContainedPath.Failure(message: "no such directory")
            }
            names = try contained.list().filter { $0.hasSuffix(".so") }
        } catch {
            throw BootError(
                .pluginNotFound,
                "application '\(name)' has no plugin directory: \(error.message)",
                file: paths.relative(directory)
            )
        }
        guard names.count == 1 else {
            let found = names.isEmpty ? "none" : names.joined(separator: ", ")
            throw BootError(
                .pluginNotFound,
                "application '\(name)' must have exactly one .so file here, found \(found)",
                file: paths.relative(directory)
            )
        }
        do throws(ContainedPath.Failure) {
            let plugin = try ContainedPath(root: paths.root, relative + "/" + names[0])
            try plugin.checkTrusted()
            return plugin.path
        } catch {
            throw BootError(
                .badPlugin,
                "refusing to load the plugin of '\(name)': \(error.message)",
                file: paths.relative(directory + "/" + names[0])
            )
        }
    }

    // MARK: - Order

    /// `applications` reordered so that each comes after the applications it needs.
    static func startOrder(_ applications: [Application], release: String) throws(BootError) -> [Application] {
        let byName = Dictionary(applications.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered: [Application] = []
        var done: Set<String> = []
        var visiting: [String] = []
        func visit(_ application: Application) throws(BootError) {
            if done.contains(application.name) { return }
            if let start = visiting.firstIndex(of: application.name) {
                let cycle = (visiting[start...] + [application.name]).joined(separator: " -> ")
                throw BootError(.dependency, "applications need each other in a circle: \(cycle)")
            }
            visiting.append(application.name)
            let optional = Set(application.spec.optionalApplications ?? [])
            for needed in application.spec.applications {
                guard let dependency = byName[needed] else {
                    if optional.contains(needed) { continue }
                    throw BootError(
                        .dependency,
                        "application '\(application.name)' needs '\(needed)', which release '\(release)' does not include"
                    )
                }
                try visit(dependency)
            }
            visiting.removeLast()
            done.insert(application.name)
            ordered.append(application)
        }
        for application in applications { try visit(application) }
        return ordered
    }
}
