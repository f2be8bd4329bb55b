//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Everything the builder needs for one release in one environment: `rel/config`'s
/// release and environment merged, defaults filled in.
public struct ReleaseSettings: Hashable, Sendable {
    /// The release's name.
    public var release: String
    /// The environment's name, or `nil` when `rel/config` defines none.
    public var environment: String?
    /// The release version `rel/config` states, or `nil`: the builder then takes the
    /// version of the first application (its plugin's manifest states it).
    public var version: String?
    public var applications: [ReleaseApplication]
    /// The release's overlays, then the environment's.
    public var overlays: [Overlay]
    public var commands: [Command]
    public var hooks: [Hook]
    /// Default `false`.
    public var devMode: Bool
    /// Default ``RuntimeInclusion/bundled``.
    public var runtime: RuntimeInclusion
    /// Default `false`.
    public var stripDebugInfo: Bool
    /// Default ``BuildConfiguration/release``.
    public var configuration: BuildConfiguration
    /// The `sys.config` to ship, if any (`nil`: the builder writes an empty one).
    public var sysConfig: String?
    /// The `vm.args` to ship, if any.
    public var vmArgs: String?
    /// Default `[]`.
    public var swiftBuildFlags: [String]

    public init(
        release: String,
        environment: String?,
        version: String?,
        applications: [ReleaseApplication],
        overlays: [Overlay] = [],
        commands: [Command] = [],
        hooks: [Hook] = [],
        devMode: Bool = false,
        runtime: RuntimeInclusion = .bundled,
        stripDebugInfo: Bool = false,
        configuration: BuildConfiguration = .release,
        sysConfig: String? = nil,
        vmArgs: String? = nil,
        swiftBuildFlags: [String] = []
    ) {
        self.release = release
        self.environment = environment
        self.version = version
        self.applications = applications
        self.overlays = overlays
        self.commands = commands
        self.hooks = hooks
        self.devMode = devMode
        self.runtime = runtime
        self.stripDebugInfo = stripDebugInfo
        self.configuration = configuration
        self.sysConfig = sysConfig
        self.vmArgs = vmArgs
        self.swiftBuildFlags = swiftBuildFlags
    }
}

extension DistillConfig {
    /// The settings of release `release` built in environment `environment`.
    ///
    /// A `nil` name picks the `default_release` (`default_environment`), or the only
    /// one defined. An environment's options win over the release's, which win over
    /// the defaults (``ReleaseSettings``). With no environment defined and none asked
    /// for, the release's options and the defaults apply.
    ///
    /// - Parameter file: the config's file name, for errors.
    /// - Throws: `unknown_name` for a name `rel/config` does not define (with the
    ///   closest one suggested), `missing_key` when a choice is needed and there is no default.
    public func settings(
        release: String? = nil,
        environment: String? = nil,
        file: String = "rel/config"
    ) throws(ReleaseFileError) -> ReleaseSettings {
        func fail(_ code: ReleaseFileError.Code, _ message: String) -> ReleaseFileError {
            ReleaseFileError(code: code, message: message, file: file, location: nil)
        }
        let releaseNames = releases.map(\.name)
        let environmentNames = environments.map(\.name)
        guard let releaseName = release ?? defaultRelease ?? (releases.count == 1 ? releases[0].name : nil) else {
            throw fail(
                .missingKey,
                "\(file) defines several releases (\(releaseNames.joined(separator: ", "))) and no default_release; "
                    + "name one"
            )
        }
        guard let chosen = releases.first(where: { $0.name == releaseName }) else {
            throw fail(
                .unknownName,
                "\(file) defines no release '\(releaseName)'" + Suggestion.didYouMean(releaseName, among: releaseNames)
            )
        }
        var profile: Environment?
        if let environmentName = environment ?? defaultEnvironment
            ?? (environments.count == 1 ? environments[0].name : nil)
        {
            guard let found = environments.first(where: { $0.name == environmentName }) else {
                throw fail(
                    .unknownName,
                    "\(file) defines no environment '\(environmentName)'"
                        + Suggestion.didYouMean(environmentName, among: environmentNames)
                )
            }
            profile = found
        } else if !environments.isEmpty {
            throw fail(
                .missingKey,
                "\(file) defines several environments (\(environmentNames.joined(separator: ", "))) and no "
                    + "default_environment; name one"
            )
        }
        let options = chosen.options.overridden(by: profile?.options ?? BuildOptions())
        return ReleaseSettings(
            release: chosen.name,
            environment: profile?.name,
            version: chosen.version,
            applications: chosen.applications,
            overlays: chosen.overlays + (profile?.overlays ?? []),
            commands: chosen.commands,
            hooks: chosen.hooks,
            devMode: options.devMode ?? false,
            runtime: options.runtime ?? .bundled,
            stripDebugInfo: options.stripDebugInfo ?? false,
            configuration: options.configuration ?? .release,
            sysConfig: options.sysConfig,
            vmArgs: options.vmArgs,
            swiftBuildFlags: options.swiftBuildFlags ?? []
        )
    }
}

extension BuildOptions {
    /// These options, with every option `other` sets replacing this one's.
    public func overridden(by other: BuildOptions) -> BuildOptions {
        BuildOptions(
            devMode: other.devMode ?? devMode,
            runtime: other.runtime ?? runtime,
            stripDebugInfo: other.stripDebugInfo ?? stripDebugInfo,
            configuration: other.configuration ?? configuration,
            sysConfig: other.sysConfig ?? sysConfig,
            vmArgs: other.vmArgs ?? vmArgs,
            swiftBuildFlags: other.swiftBuildFlags ?? swiftBuildFlags
        )
    }
}
