//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillELF
import DistillPlan
public import DistillRelease
import DistillTerm
import Foundation

/// Lays a prepared release out in its directory (``ReleaseLayout``): the applications'
/// `lib/` directories, the runtime under `erts-ERTS/`, the term files, the files rendered
/// from templates, the upgrade's appups and relup, then the overlays.
///
/// What belongs to this release is replaced; what earlier builds left in the same
/// directory (other versions under `lib/` and `releases/`, which a later `--upgrade`
/// starts from) is kept.
public struct ReleaseAssembler: Sendable {
    public var prepared: PreparedRelease
    public var layout: ReleaseLayout

    public init(prepared: PreparedRelease, root: String) {
        self.prepared = prepared
        layout = ReleaseLayout(
            root: root,
            name: prepared.settings.release,
            version: prepared.version,
            ertsVersion: prepared.runtime.ertsVersion
        )
    }

    /// Whether `erts-ERTS/` is part of the release.
    var bundlesRuntime: Bool { prepared.settings.runtime != .system }

    /// The template variables of this release.
    public var variables: TemplateVariables {
        let settings = prepared.settings
        return TemplateVariables(
            releaseName: settings.release,
            releaseVersion: prepared.version,
            ertsVersion: prepared.runtime.ertsVersion,
            environment: settings.environment ?? "",
            configuration: settings.configuration.rawValue,
            swiftVersion: prepared.runtime.swiftVersion,
            runtimeFingerprint: prepared.runtime.fingerprint,
            includeRuntime: bundlesRuntime,
            applications: prepared.applications.map {
                .init(name: $0.name, version: $0.version, type: ($0.config.type ?? .permanent).rawValue)
            },
            commands: settings.commands.map { .init(name: $0.name, path: commandPath($0)) },
            hooks: settings.hooks.map { .init(name: $0.kind.rawValue, path: hookDirectory($0.kind)) }
        )
    }

    /// Writes the release. Returns the paths (relative to the root) that make up this
    /// release, for the tarball: `bin/REL`, `erts-ERTS` when bundled, each `lib/APP-VSN`,
    /// `releases/VSN`, `releases/RELEASES`, `releases/start_erl.data`, and what the overlays made.
    @discardableResult
    public func assemble(appups: [String: Appup] = [:], relup: Relup? = nil) throws(BuildError) -> [String] {
        let settings = prepared.settings
        try FileOperations.ensureWritableDirectory(layout.root)
        var owned = [layout.script, layout.versionDirectory]
        owned += prepared.applications.map { ReleaseLayout.applicationDirectory($0.name, $0.version) }
        if bundlesRuntime { owned.append(layout.ertsDirectory) }
        for path in owned { try FileOperations.remove(layout.path(path)) }

        let editor = try ELFEditor(needsStrip: settings.stripDebugInfo && !settings.devMode)
        let strips = settings.stripDebugInfo && !settings.devMode
        for application in prepared.applications {
            try writeApplication(application, appup: appups[application.name], editor: editor, strips: strips)
        }
        if bundlesRuntime { try writeRuntime(editor: editor, strips: strips) }

        let renderer = TemplateRenderer(variables: variables)
        try writeReleaseFiles(renderer: renderer, relup: relup)
        let overlays = try OverlayApplier(
            packageDirectory: prepared.packageDirectory,
            releaseRoot: layout.root,
            renderer: renderer
        ).apply(settings.overlays)

        var paths = [layout.script]
        if bundlesRuntime { paths.append(layout.ertsDirectory) }
        paths += prepared.applications.map { ReleaseLayout.applicationDirectory($0.name, $0.version) }
        paths += [layout.versionDirectory, layout.releasesFile, layout.startErlData]
        for path in overlays where !paths.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            paths.append(path)
        }
        return paths
    }

    // MARK: - Applications

    private func writeApplication(
        _ application: BuiltApplication,
        appup: Appup?,
        editor: ELFEditor,
        strips: Bool
    ) throws(BuildError) {
        let name = application.name
        let version = application.version
        try FileOperations.write(application.spec.fileContents, to: layout.path(ReleaseLayout.appFile(name, version)))
        try FileOperations.write(
            TermPrinter.file([application.snapshot.term]),
            to: layout.path(ReleaseLayout.snapshotFile(name, version))
        )
        if let appup {
            try FileOperations.write(appup.fileContents, to: layout.path(ReleaseLayout.appupFile(name, version)))
        }
        let plugin = layout.path(ReleaseLayout.pluginFile(name, version, product: application.product))
        try FileOperations.copyFile(application.plugin, to: plugin, executable: false)
        if strips { try editor.stripDebugInfo(plugin) }
        try editor.patch(
            plugin,
            soname: ReleaseLayout.pluginFileName(product: application.product, version: version),
            runpath: bundlesRuntime ? layout.pluginRunpath : []
        )
    }

    // MARK: - The runtime

    private func writeRuntime(editor: ELFEditor, strips: Bool) throws(BuildError) {
        let runtime = prepared.runtime
        let launcher = layout.path(layout.launcher)
        try FileOperations.copyFile(runtime.launcher, to: launcher, executable: true)
        if strips { try editor.stripDebugInfo(launcher) }
        try editor.patch(launcher, runpath: ["$ORIGIN/../lib"])

        let library = layout.path(layout.ertsLibrary + "/libDistillRuntime.so")
        try FileOperations.copyFile(runtime.runtimeLibrary, to: library, executable: false)
        if strips { try editor.stripDebugInfo(library) }
        try editor.patch(library, soname: "libDistillRuntime.so", runpath: ["$ORIGIN"])

        for (name, source) in runtime.libraries.sorted(by: { $0.key < $1.key }) {
            let destination = layout.path(layout.ertsLibrary + "/" + name)
            try FileOperations.copyFile(source, to: destination, executable: false)
            if strips { try editor.stripDebugInfo(destination) }
            let info = try SharedLibraries.dynamicInfo(destination)
            let paths = info.runpath.isEmpty ? info.rpath : info.runpath
            if !paths.allSatisfy({ $0 == "$ORIGIN" }) { try editor.patch(destination, runpath: ["$ORIGIN"]) }
        }
    }

    // MARK: - Release files

    private func writeReleaseFiles(renderer: TemplateRenderer, relup: Relup?) throws(BuildError) {
        let settings = prepared.settings
        let spec = prepared.spec
        try FileOperations.write(spec.fileContents, to: layout.path(layout.relFile))
        try FileOperations.write(try sysConfig(renderer: renderer), to: layout.path(layout.sysConfig))
        try FileOperations.write(try vmArgs(renderer: renderer), to: layout.path(layout.vmArgs))
        if let relup { try FileOperations.write(relup.fileContents, to: layout.path(layout.relup)) }
        for command in settings.commands {
            try FileOperations.copyFile(
                try packageFile(command.path, role: "command '\(command.name)'"),
                to: layout.path(commandPath(command)),
                executable: true
            )
        }
        for hook in settings.hooks {
            let source = try packageFile(hook.path, role: "hook '\(hook.kind.rawValue)'")
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory)
            let directory = layout.path(hookDirectory(hook.kind))
            if isDirectory.boolValue {
                try FileOperations.copyTree(source, to: directory)
            } else {
                try FileOperations.copyFile(
                    source,
                    to: directory + "/" + (source as NSString).lastPathComponent,
                    executable: true
                )
            }
        }
        let releases = ReleasesFile(releases: [
            ReleasesFile.Release(
                name: spec.name,
                version: spec.version,
                ertsVersion: spec.ertsVersion,
                libraries: prepared.applications.map {
                    .init(
                        name: $0.name,
                        version: $0.version,
                        directory: ReleaseLayout.applicationDirectory($0.name, $0.version)
                    )
                },
                status: .permanent
            )
        ])
        try FileOperations.write(releases.fileContents, to: layout.path(layout.releasesFile))
        try FileOperations.write(
            StartErlData(ertsVersion: spec.ertsVersion, releaseVersion: spec.version).text,
            to: layout.path(layout.startErlData)
        )
        let script = try prepared.templates.template("bin/release.mustache")
        try FileOperations.write(
            try renderer.render(script.text, file: script.file),
            to: layout.path(layout.script),
            mode: 0o755
        )
    }

    /// `rel/config`'s `sys_config` as written (checked), or the rendered template.
    private func sysConfig(renderer: TemplateRenderer) throws(BuildError) -> String {
        let text: String
        let file: String
        if let path = prepared.settings.sysConfig {
            file = path
            text = try String(decoding: readPackageFile(path, role: "sys_config"), as: UTF8.self)
        } else {
            let template = try prepared.templates.template("sys.config.mustache")
            file = template.file
            text = try renderer.render(template.text, file: template.file)
        }
        do {
            _ = try SysConfig(parsing: text, file: file)
        } catch {
            throw BuildError(code: .invalidConfig, message: error.message, file: file, location: error.location)
        }
        return text
    }

    /// `rel/config`'s `vm_args` as written, or the rendered template.
    private func vmArgs(renderer: TemplateRenderer) throws(BuildError) -> String {
        if let path = prepared.settings.vmArgs {
            return try String(decoding: readPackageFile(path, role: "vm_args"), as: UTF8.self)
        }
        let template = try prepared.templates.template("vm.args.mustache")
        return try renderer.render(template.text, file: template.file)
    }

    private func commandPath(_ command: Command) -> String {
        let suffix = (command.path as NSString).pathExtension
        return "\(layout.versionDirectory)/commands/\(command.name)" + (suffix.isEmpty ? "" : ".\(suffix)")
    }

    private func hookDirectory(_ kind: Hook.Kind) -> String {
        "\(layout.versionDirectory)/hooks/\(kind.rawValue).d"
    }

    private func packageFile(_ path: String, role: String) throws(BuildError) -> String {
        let full = path.hasPrefix("/") ? path : prepared.packageDirectory + "/" + path
        guard FileManager.default.fileExists(atPath: full) else {
            throw BuildError(
                code: .invalidConfig,
                message: "the \(role) of release '\(prepared.settings.release)' is '\(path)', which does not exist",
                file: "rel/config"
            )
        }
        return full
    }

    private func readPackageFile(_ path: String, role: String) throws(BuildError) -> Data {
        let full = try packageFile(path, role: role)
        guard let data = FileManager.default.contents(atPath: full) else {
            throw BuildError(code: .invalidConfig, message: "cannot read the \(role) '\(path)'", file: "rel/config")
        }
        return data
    }
}
