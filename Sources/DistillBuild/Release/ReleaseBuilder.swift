//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
public import DistillPlan
public import DistillRelease
import DistillTerm
import Foundation

/// What to build: the package, the release and environment, and what to do besides.
public struct ReleaseOptions: Sendable {
    /// The package's directory.
    public var packageDirectory: String
    /// SwiftPM's build directory, if not the package's `.build` (the SwiftPM command plugin
    /// uses its own, because `swift package` holds the lock on `.build` while it runs).
    public var scratchPath: String?
    /// The config file, relative to the package.
    public var configFile: String
    /// The release to build (`--name`); `nil`: `default_release`, or the only one.
    public var release: String?
    /// The environment (`--env`); `nil`: `default_environment`, or the only one.
    public var environment: String?
    /// Where the release goes; `nil`: `_build/ENV/rel/REL` in the package.
    public var outputDirectory: String?
    /// `--upgrade`: write appups and a relup from the previous release(s).
    public var upgrade: Bool
    /// `--upfrom VSN`: the releases to upgrade from (several allowed); empty: the previous one.
    public var upFrom: [String]
    /// `--from-release PATH`: previous releases as tarballs or release directories.
    public var fromReleases: [String]
    /// Whether to write `releases/VSN/REL.tar.gz` (`--no-tar` turns it off).
    public var packsTarball: Bool
    /// `SOURCE_DATE_EPOCH`'s value: the time every tarball entry carries (unset: 1980-01-01).
    public var sourceDateEpoch: String?
    /// The `swift` executable; `nil`: `$DISTILL_SWIFT` or `swift` on `PATH`.
    public var swift: String?

    public init(
        packageDirectory: String,
        scratchPath: String? = nil,
        configFile: String = "rel/config",
        release: String? = nil,
        environment: String? = nil,
        outputDirectory: String? = nil,
        upgrade: Bool = false,
        upFrom: [String] = [],
        fromReleases: [String] = [],
        packsTarball: Bool = true,
        sourceDateEpoch: String? = nil,
        swift: String? = nil
    ) {
        self.packageDirectory = packageDirectory
        self.scratchPath = scratchPath
        self.configFile = configFile
        self.release = release
        self.environment = environment
        self.outputDirectory = outputDirectory
        self.upgrade = upgrade
        self.upFrom = upFrom
        self.fromReleases = fromReleases
        self.packsTarball = packsTarball
        self.sourceDateEpoch = sourceDateEpoch
        self.swift = swift
    }
}

/// One application of a release, built: its plugin, what the plugin says, its snapshot.
public struct BuiltApplication: Hashable, Sendable {
    /// The application as `rel/config` lists it.
    public var config: ReleaseApplication
    /// The SwiftPM product that builds it.
    public var product: String
    /// The plugin SwiftPM built (`<bin>/libPRODUCT.so`).
    public var plugin: String
    public var manifest: PluginManifest
    public var snapshot: BuildSnapshot

    public var name: String { manifest.application }
    public var version: String { manifest.version }

    /// The `.app` file: the manifest's modules, registered names, start module and
    /// environment, with `rel/config`'s description, applications and `env` added (its
    /// `env` entries replace the manifest's of the same key).
    public var spec: ApplicationSpec {
        var environment = manifest.environment
        for parameter in config.environment ?? [] {
            if let index = environment.firstIndex(where: { $0.key == parameter.key }) {
                environment[index] = parameter
            } else {
                environment.append(parameter)
            }
        }
        var applications = manifest.applications
        for name in config.applications ?? [] where !applications.contains(name) { applications.append(name) }
        return ApplicationSpec(
            name: name,
            description: config.description ?? manifest.description,
            version: version,
            modules: manifest.modules.map(\.name),
            registered: manifest.registered,
            applications: applications,
            environment: environment,
            startModule: manifest.start
        )
    }
}

/// A release's applications built and read, before anything is written.
public struct PreparedRelease: Sendable {
    public var settings: ReleaseSettings
    /// The release version: `rel/config`'s, or the first application's.
    public var version: String
    /// Where SwiftPM put the products.
    public var binPath: String
    public var applications: [BuiltApplication]
    public var runtime: RuntimeBundle
    /// The package's directory.
    public var packageDirectory: String
    /// Where `swift-distill` keeps what it caches between builds.
    public var cacheDirectory: String
    /// Where the release's own files are rendered from.
    public var templates: TemplateLibrary

    /// The release's `.rel`.
    public var spec: ReleaseSpec {
        ReleaseSpec(
            name: settings.release,
            version: version,
            ertsVersion: runtime.ertsVersion,
            applications: applications.map {
                ReleaseSpec.Application(name: $0.name, version: $0.version, type: $0.config.type)
            }
        )
    }

    /// The build snapshot of every application.
    public var snapshots: [BuildSnapshot] { applications.map(\.snapshot) }
}

/// Builds releases the way distillery does: `swift build` each application's plugin and the
/// launcher, read each plugin's manifest through the launcher, fingerprint the code
/// (DistillELF), then lay the release out, plan the upgrade and pack the tarball.
///
/// ``prepare()`` does the building and reading; ``release()`` (`swift-distill release`),
/// ``plan()`` (`swift-distill plan`) and ``writeAppups(application:force:)``
/// (`swift-distill appup`) build on it.
public struct ReleaseBuilder: Sendable {
    public var options: ReleaseOptions
    public var progress: any BuildProgress
    private let steps = StepNumbering()

    public init(options: ReleaseOptions, progress: any BuildProgress = SilentProgress()) {
        self.options = options
        self.progress = progress
    }

    /// Reports that the next step starts, numbered among the command's steps.
    func started(_ kind: BuildStep.Kind, _ title: String, application: String? = nil) {
        let (number, total) = steps.next()
        progress.started(BuildStep(kind: kind, title: title, application: application, number: number, total: total))
    }

    /// The package's directory, absolute.
    var packageDirectory: String { SwiftPackage.absolute(options.packageDirectory) }

    // MARK: - Building and reading

    /// Reads `rel/config`, builds every application's plugin and the launcher, reads the
    /// plugins' manifests, gathers the runtime and makes each application's snapshot.
    public func prepare() throws(BuildError) -> PreparedRelease {
        try prepare(stepsAfter: { _ in 0 })
    }

    /// ``prepare()`` for a command that then takes `stepsAfter(settings)` steps of its own.
    func prepare(stepsAfter: (ReleaseSettings) -> Int) throws(BuildError) -> PreparedRelease {
        let config = try ConfigLoader.load(packageDirectory: packageDirectory, file: options.configFile)
        let settings = try ConfigLoader.settings(
            config,
            release: options.release,
            environment: options.environment,
            file: options.configFile
        )
        steps.plan(total: StepNumbering.preparing(applications: settings.applications.count) + stepsAfter(settings))
        started(.configure, "read \(options.configFile): release \(settings.release)")
        let package = try SwiftPackage(
            directory: packageDirectory,
            scratchPath: options.scratchPath,
            swift: options.swift
        )
        let description = try package.describe()
        var products: [(ReleaseApplication, String)] = []
        for application in settings.applications {
            let productName = application.product ?? application.name
            guard let product = description.product(named: productName) else {
                let names = description.products.map(\.name)
                throw BuildError(
                    code: .unknownProduct,
                    message: "application '\(application.name)' of release '\(settings.release)' is built by product "
                        + "'\(productName)', which package '\(description.name)' does not have"
                        + (names.isEmpty ? "" : " (it has \(names.map { "'\($0)'" }.joined(separator: ", ")))"),
                    file: options.configFile,
                    notes: application.product == nil
                        ? ["name the product: {\(application.name), [{product, \"ProductName\"}]}"] : []
                )
            }
            guard product.kind == .dynamicLibrary else {
                throw BuildError(
                    code: .notADynamicLibrary,
                    message: "product '\(productName)' of application '\(application.name)' is "
                        + "\(product.kind.phrase), not a dynamic library",
                    file: options.configFile,
                    notes: ["declare it as .library(name: \"\(productName)\", type: .dynamic, targets: [...])"]
                )
            }
            products.append((application, productName))
        }

        let pluginFiles = Dictionary(
            products.map { ("lib\($0.1).so", $0.0.name) },
            uniquingKeysWith: { first, _ in first }
        )
        var binPath: String?
        for (application, product) in products {
            started(.build, "building \(application.name) (\(product))", application: application.name)
            try package.build(
                product: product,
                configuration: settings.configuration,
                flags: settings.swiftBuildFlags,
                lines: { [progress] in progress.output($0) }
            )
            let directory: String
            if let binPath {
                directory = binPath
            } else {
                directory = try package.binPath(configuration: settings.configuration, flags: settings.swiftBuildFlags)
                binPath = directory
            }
            try checkPlugin(
                directory + "/lib\(product).so",
                application: application.name,
                product: product,
                plugins: pluginFiles,
                binPath: directory
            )
        }
        // Every application has a product, so the loop above found the directory.
        guard let bin = binPath else { preconditionFailure("a release has at least one application") }
        let cacheDirectory = bin + "/distill"
        let checkout = description.swiftDistillCheckout(buildDirectory: package.buildDirectory)
        let launcherStampFile = cacheDirectory + "/launcher.stamp"
        let stamp = { () -> BuildStamp? in
            Self.launcherStamp(checkout: checkout, binPath: bin, package: package, settings: settings)
        }
        if let current = stamp(), BuildStamp.read(launcherStampFile) == current {
            started(.build, "the launcher (distill-run) is up to date")
        } else {
            started(.build, "building the launcher (distill-run)")
            try package.build(
                product: "distill-run",
                configuration: settings.configuration,
                flags: settings.swiftBuildFlags,
                lines: { [progress] in progress.output($0) }
            )
            stamp()?.write(to: launcherStampFile)
        }

        var manifests: [(ReleaseApplication, String, String, PluginManifest)] = []
        for (application, product) in products {
            started(.manifest, "reading the manifest of \(application.name)", application: application.name)
            let plugin = bin + "/lib\(product).so"
            let manifest = try readManifest(plugin: plugin, launcher: bin + "/distill-run")
            try check(manifest, against: application, product: product)
            manifests.append((application, product, plugin, manifest))
        }

        started(.runtime, "gathering the runtime")
        let pathPrefixes = Self.pathPrefixes([package.buildDirectory, packageDirectory, checkout].compactMap { $0 })
        let swiftVersion = try package.toolchainVersion(cacheDirectory: cacheDirectory)
        let runtime: RuntimeBundle
        if case .directory(let path) = settings.runtime {
            runtime = try RuntimeBundle.fromDirectory(
                path.hasPrefix("/") ? path : packageDirectory + "/" + path,
                plugins: manifests.map(\.2),
                swiftVersion: swiftVersion
            )
        } else {
            runtime = try RuntimeBundle.fromBuild(
                binPath: bin,
                plugins: manifests.map(\.2),
                swiftVersion: swiftVersion,
                pathPrefixes: pathPrefixes,
                cacheDirectory: cacheDirectory
            )
        }

        var applications: [BuiltApplication] = []
        for (application, product, plugin, manifest) in manifests {
            started(.snapshot, "fingerprinting \(application.name)", application: application.name)
            let snapshot = try SnapshotBuilder.snapshot(
                manifest: manifest,
                objects: try RuntimeBundle.linkedObjects(product: product, binPath: bin),
                runtimeFingerprint: runtime.fingerprint,
                pathPrefixes: pathPrefixes
            )
            applications.append(
                BuiltApplication(
                    config: application,
                    product: product,
                    plugin: plugin,
                    manifest: manifest,
                    snapshot: snapshot
                )
            )
        }
        let version = settings.version ?? applications[0].version
        return PreparedRelease(
            settings: settings,
            version: version,
            binPath: bin,
            applications: applications,
            runtime: runtime,
            packageDirectory: packageDirectory,
            cacheDirectory: cacheDirectory,
            templates: TemplateLibrary(package: description, buildDirectory: package.buildDirectory)
        )
    }

    /// What the launcher in `binPath` was built from: its sources in the swift-distill
    /// checkout, the checkout's manifest, the toolchain, the configuration and flags, and
    /// the launcher itself. `nil` (build it) unless the launcher links nothing but its own
    /// target's objects, which is what makes its sources the whole story.
    static func launcherStamp(
        checkout: String?,
        binPath: String,
        package: SwiftPackage,
        settings: ReleaseSettings
    ) -> BuildStamp? {
        guard let checkout, FileManager.default.fileExists(atPath: binPath + "/distill-run"),
            let objects = try? RuntimeBundle.linkedObjects(product: "distill-run", binPath: binPath),
            !objects.isEmpty, objects.allSatisfy({ $0.contains("/distill_run.build/") })
        else { return nil }
        return BuildStamp(
            paths: [
                checkout + "/Sources/distill-run", checkout + "/Package.swift", package.swift,
                binPath + "/distill-run", binPath + "/distill-run.product/Objects.LinkFileList",
            ] + objects,
            facts: [settings.configuration.rawValue] + settings.swiftBuildFlags
        )
    }

    /// `directories` in their order, except that a directory inside another comes before it
    /// (the build directory inside the package counts as itself): the order, and so each
    /// directory's place in it, depends on how the directories nest, not on their names.
    static func pathPrefixes(_ directories: [String]) -> [String] {
        var remaining = directories
        var ordered: [String] = []
        while !remaining.isEmpty {
            let index =
                remaining.indices.first { candidate in
                    !remaining.contains { $0 != remaining[candidate] && $0.hasPrefix(remaining[candidate] + "/") }
                } ?? remaining.startIndex
            ordered.append(remaining.remove(at: index))
        }
        return ordered
    }

    /// A plugin must export `distill_application` and must not need another plugin.
    private func checkPlugin(
        _ plugin: String,
        application: String,
        product: String,
        plugins: [String: String],
        binPath: String
    ) throws(BuildError) {
        let file: ELFFile
        do {
            file = try ELFFile(path: plugin)
        } catch {
            throw BuildError(
                code: .invalidBinary,
                message: "cannot read the plugin '\(plugin)' of application '\(application)': \(error)"
            )
        }
        let exports = (try? file.exportsSymbol(named: "distill_application")) ?? false
        guard exports else {
            throw BuildError(
                code: .missingEntryPoint,
                message: "product '\(product)' of application '\(application)' does not export 'distill_application'",
                notes: [
                    "a plugin returns its Application from @_cdecl(\"distill_application\") public func "
                        + "distillApplication() -> UnsafeMutableRawPointer { Application(...).export() }"
                ]
            )
        }
        // A library the plugin needs from the build directory that exports the entry point
        // is a plugin too (SwiftPM links a product of another package dynamically).
        let needed = (try? file.dynamicInfo()?.needed) ?? []
        for name in needed where name != "libDistillRuntime.so" {
            let path = binPath + "/" + name
            guard FileManager.default.fileExists(atPath: path), let library = try? ELFFile(path: path),
                (try? library.exportsSymbol(named: "distill_application")) == true
            else { continue }
            let owner = plugins[name].map { "application '\($0)' (\(name))" } ?? "'\(name)'"
            throw BuildError(
                code: .pluginLinksPlugin,
                message: "the plugin of application '\(application)' (\(product)) links the plugin \(owner): "
                    + "applications talk through processes, never by linking each other",
                notes: ["send the other application's processes messages instead of calling its code"]
            )
        }
    }

    /// Runs `distill-run manifest PLUGIN` and decodes what it prints.
    private func readManifest(plugin: String, launcher: String) throws(BuildError) -> PluginManifest {
        let result = try ChildProcess.run(launcher, ["manifest", plugin])
        guard result.succeeded else {
            throw BuildError(
                code: .invalidManifest,
                message: "the launcher could not read the manifest of '\(plugin)'",
                detail: result.errors + result.output
            )
        }
        let term: Term
        do {
            term = try TermParser.parseOne(result.output, file: "<manifest of \(plugin)>")
        } catch {
            throw BuildError(
                code: .invalidManifest,
                message: "the manifest of '\(plugin)' is not a term: \(error)",
                detail: result.output
            )
        }
        return try PluginManifest(term: term, plugin: plugin)
    }

    /// The plugin is the application `rel/config` says, in the version it says if it says one.
    private func check(
        _ manifest: PluginManifest,
        against application: ReleaseApplication,
        product: String
    ) throws(BuildError) {
        guard manifest.application == application.name else {
            throw BuildError(
                code: .versionMismatch,
                message: "\(options.configFile) lists application '\(application.name)' with product '\(product)', "
                    + "but that plugin is application '\(manifest.application)'",
                file: options.configFile
            )
        }
        if let version = application.version, version != manifest.version {
            throw BuildError(
                code: .versionMismatch,
                message: "\(options.configFile) gives application '\(application.name)' version \(version), but its "
                    + "plugin (\(product)) says \(manifest.version): they must agree",
                file: options.configFile,
                notes: ["drop {vsn, \"\(version)\"} from \(options.configFile) to keep the version in one place"]
            )
        }
    }
}
