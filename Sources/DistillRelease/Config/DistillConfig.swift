//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm

/// The `rel/config` file: which releases a package builds and in which environments.
///
/// ```erlang
/// {default_release, kv}.
/// {default_environment, dev}.
/// {environment, dev,  [{dev_mode, true}, {include_runtime, false}, {configuration, debug}]}.
/// {environment, prod, [{include_runtime, true}, {strip_debug_info, true}, {configuration, release}]}.
/// {release, kv, [
///     {version, "0.2.0"},                    % optional: the first application's version
///     {applications, [{kv, [{product, "KV"}]}]},
///     {overlays, [{mkdir, "var/data"}, {copy, "rel/kv.conf", "etc/kv.conf"},
///                 {template, "rel/env.sh.eex", "releases/{{release_version}}/env.sh"}]},
///     {commands, [{migrate, "rel/commands/migrate.sh"}]},
///     {hooks, [{pre_start, "rel/hooks/pre_start.d"}, {post_upgrade, "rel/hooks/post_upgrade.d"}]}
/// ]}.
/// ```
///
/// An environment is a build profile (``BuildOptions``); a release says what goes in
/// it and may set build options too. ``settings(release:environment:file:)`` merges
/// them into one ``ReleaseSettings``: the environment's options win over the
/// release's, which win over the defaults. Unknown keys are errors, with the closest
/// known key suggested.
public struct DistillConfig: Hashable, Sendable {
    /// `{environment, Name, [Option]}`.
    public struct Environment: Hashable, Sendable {
        public var name: String
        public var options: BuildOptions
        /// Overlays applied after the release's.
        public var overlays: [Overlay]

        public init(name: String, options: BuildOptions = BuildOptions(), overlays: [Overlay] = []) {
            self.name = name
            self.options = options
            self.overlays = overlays
        }
    }

    /// `{release, Name, [Option]}`.
    public struct Release: Hashable, Sendable {
        public var name: String
        /// `version`: the release version; `nil` (not written) means the version of the
        /// release's first application, which its plugin states (as distillery's
        /// `current_version(:app)`), so a package can keep its version in one place.
        public var version: String?
        /// `applications`: what the release runs, in boot order (required, not empty).
        public var applications: [ReleaseApplication]
        /// `overlays`: files to create or copy into the release.
        public var overlays: [Overlay]
        /// `commands`: extra `bin/NAME COMMAND` scripts.
        public var commands: [Command]
        /// `hooks`: scripts run around start, stop and upgrade.
        public var hooks: [Hook]
        /// Build options the release sets (an environment overrides them).
        public var options: BuildOptions

        public init(
            name: String,
            version: String?,
            applications: [ReleaseApplication],
            overlays: [Overlay] = [],
            commands: [Command] = [],
            hooks: [Hook] = [],
            options: BuildOptions = BuildOptions()
        ) {
            self.name = name
            self.version = version
            self.applications = applications
            self.overlays = overlays
            self.commands = commands
            self.hooks = hooks
            self.options = options
        }
    }

    /// `default_release`, if given.
    public var defaultRelease: String?
    /// `default_environment`, if given.
    public var defaultEnvironment: String?
    public var environments: [Environment]
    public var releases: [Release]

    public init(
        defaultRelease: String? = nil,
        defaultEnvironment: String? = nil,
        environments: [Environment] = [],
        releases: [Release]
    ) {
        self.defaultRelease = defaultRelease
        self.defaultEnvironment = defaultEnvironment
        self.environments = environments
        self.releases = releases
    }

    /// The commands `bin/NAME` has built in, which a release's `commands` may not reuse.
    public static let builtinCommands = [
        "start", "foreground", "stop", "restart", "ping", "pid", "describe", "rpc", "upgrade", "downgrade",
        "unpack", "install", "versions", "help",
    ]
}

/// Build options an environment or a release may set; `nil` means "not set here".
public struct BuildOptions: Hashable, Sendable {
    /// `dev_mode`: a release to run where it was built: no tarball, nothing stripped. (The
    /// build products cannot be linked in place of copies: a plugin needs its own SONAME and
    /// a run path relative to the release, which only a copy can carry.)
    public var devMode: Bool?
    /// `include_runtime`: `true`, `false` or a directory (``RuntimeInclusion``).
    public var runtime: RuntimeInclusion?
    /// `strip_debug_info`: strip debug sections from the shipped shared objects.
    public var stripDebugInfo: Bool?
    /// `configuration`: `debug` or `release` (`swift build -c`).
    public var configuration: BuildConfiguration?
    /// `sys_config`: the `sys.config` to ship (a path in the package).
    public var sysConfig: String?
    /// `vm_args`: the `vm.args` to ship (a path in the package).
    public var vmArgs: String?
    /// `swift_build_flags`: extra arguments for `swift build`.
    public var swiftBuildFlags: [String]?

    public init(
        devMode: Bool? = nil,
        runtime: RuntimeInclusion? = nil,
        stripDebugInfo: Bool? = nil,
        configuration: BuildConfiguration? = nil,
        sysConfig: String? = nil,
        vmArgs: String? = nil,
        swiftBuildFlags: [String]? = nil
    ) {
        self.devMode = devMode
        self.runtime = runtime
        self.stripDebugInfo = stripDebugInfo
        self.configuration = configuration
        self.sysConfig = sysConfig
        self.vmArgs = vmArgs
        self.swiftBuildFlags = swiftBuildFlags
    }
}

/// Whether a release carries its own runtime (the launcher, `libDistillRuntime.so`
/// and the Swift runtime libraries under `erts-VSN/`): `include_runtime`.
public enum RuntimeInclusion: Hashable, Sendable {
    /// `true`: bundle the runtime of the toolchain that built the release.
    case bundled
    /// `false`: use the runtime installed on the host.
    case system
    /// `"path"`: bundle the runtime found in this directory (built for the target).
    case directory(String)
}

/// `swift build -c debug | release`.
public enum BuildConfiguration: String, Hashable, Sendable, CaseIterable {
    case debug
    case release
}

/// One application of a release in `rel/config`: `kv`, `{kv, Type}`,
/// `{kv, [Option]}` or `{kv, Type, [Option]}`.
public struct ReleaseApplication: Hashable, Sendable {
    public var name: String
    /// The start type, if written (`permanent` by default).
    public var type: ApplicationType?
    /// `product`: the SwiftPM dynamic library product that builds it; `nil` means the
    /// product named like the application.
    public var product: String?
    /// `vsn`: the application's version. The plugin's manifest states it too
    /// (`Application(name:version:...)`); if both are given they must agree. `nil`: the
    /// manifest's version.
    public var version: String?
    /// `description`: for the `.app` file.
    public var description: String?
    /// `env`: default configuration parameters, written into the `.app` file.
    public var environment: [ConfigParameter]?
    /// `applications`: other applications of the release it needs started first.
    public var applications: [String]?

    public init(
        name: String,
        type: ApplicationType? = nil,
        product: String? = nil,
        version: String? = nil,
        description: String? = nil,
        environment: [ConfigParameter]? = nil,
        applications: [String]? = nil
    ) {
        self.name = name
        self.type = type
        self.product = product
        self.version = version
        self.description = description
        self.environment = environment
        self.applications = applications
    }

    /// Whether any option is set (the short forms `kv` and `{kv, Type}` have none).
    var hasOptions: Bool {
        product != nil || version != nil || description != nil || environment != nil || applications != nil
    }
}

/// A file operation on the release directory, run after the release is assembled.
/// Paths on the left are in the package, on the right in the release;
/// `{{release_version}}`-style placeholders are rendered by the builder.
public enum Overlay: Hashable, Sendable {
    /// `{mkdir, Path}`.
    case mkdir(String)
    /// `{copy, From, To}`.
    case copy(from: String, to: String)
    /// `{template, From, To}`: render `From` as a template, write it to `To`.
    case template(from: String, to: String)
}

/// `{Name, Path}`: `bin/REL Name ARGS...` runs the script at `Path` (in the package).
public struct Command: Hashable, Sendable {
    public var name: String
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// `{Kind, Path}`: scripts (a file, or a directory of them run in name order) run
/// around a lifecycle event.
public struct Hook: Hashable, Sendable {
    /// When a hook runs.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case preStart = "pre_start"
        case postStart = "post_start"
        case preStop = "pre_stop"
        case postStop = "post_stop"
        case preUpgrade = "pre_upgrade"
        case postUpgrade = "post_upgrade"
    }

    public var kind: Kind
    public var path: String

    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }
}
