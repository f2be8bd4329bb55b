//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import Foundation

/// Applies `rel/config`'s overlays to a release directory, in order:
///
/// - `{mkdir, Path}`: creates the directory (and its parents), mode 0755;
/// - `{copy, From, To}`: copies a file, or a directory with everything in it; files keep
///   their executable bit (0755, else 0644), links stay links;
/// - `{template, From, To}`: renders the Mustache template `From` with
///   ``TemplateVariables`` and writes it to `To`, executable if `From` is.
///
/// `From` is a path in the package; `To` (and `Path`) a path in the release, itself
/// rendered as a template first (`releases/{{release_version}}/env.sh`), which must stay
/// inside the release.
public struct OverlayApplier: Sendable {
    /// The package's directory, which `From` paths are relative to.
    public var packageDirectory: String
    /// The release's root.
    public var releaseRoot: String
    public var renderer: TemplateRenderer

    public init(packageDirectory: String, releaseRoot: String, renderer: TemplateRenderer) {
        self.packageDirectory = packageDirectory
        self.releaseRoot = releaseRoot
        self.renderer = renderer
    }

    /// Applies `overlays`; returns the release paths they created, in order.
    @discardableResult
    public func apply(_ overlays: [Overlay]) throws(BuildError) -> [String] {
        var created: [String] = []
        for overlay in overlays {
            switch overlay {
            case .mkdir(let path):
                let destination = try releasePath(path, overlay: overlay)
                try FileOperations.makeDirectory(releaseRoot + "/" + destination)
                created.append(destination)
            case .copy(let from, let to):
                let source = try sourcePath(from, overlay: overlay)
                let destination = try releasePath(to, overlay: overlay)
                try FileOperations.copyTree(source, to: releaseRoot + "/" + destination)
                created.append(destination)
            case .template(let from, let to):
                let source = try sourcePath(from, overlay: overlay)
                let destination = try releasePath(to, overlay: overlay)
                guard let data = FileManager.default.contents(atPath: source) else {
                    throw BuildError(
                        code: .invalidTemplate,
                        message: "overlay \(Self.describe(overlay)): cannot read '\(from)'"
                    )
                }
                let text = try renderer.render(String(decoding: data, as: UTF8.self), file: from)
                let executable = FileManager.default.isExecutableFile(atPath: source)
                try FileOperations.write(text, to: releaseRoot + "/" + destination, mode: executable ? 0o755 : 0o644)
                created.append(destination)
            }
        }
        return created
    }

    private func sourcePath(_ path: String, overlay: Overlay) throws(BuildError) -> String {
        let full = path.hasPrefix("/") ? path : packageDirectory + "/" + path
        guard FileManager.default.fileExists(atPath: full) else {
            throw BuildError(
                code: .invalidTemplate,
                message: "overlay \(Self.describe(overlay)): '\(path)' does not exist in the package"
            )
        }
        return full
    }

    /// `path` rendered, checked to stay inside the release, normalised.
    private func releasePath(_ path: String, overlay: Overlay) throws(BuildError) -> String {
        let rendered = try renderer.render(path, file: "rel/config")
        let parts = rendered.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !rendered.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
            throw BuildError(
                code: .invalidTemplate,
                message: "overlay \(Self.describe(overlay)): '\(rendered)' is not a path inside the release"
            )
        }
        return parts.joined(separator: "/")
    }

    static func describe(_ overlay: Overlay) -> String {
        switch overlay {
        case .mkdir(let path): "{mkdir, \"\(path)\"}"
        case .copy(let from, let to): "{copy, \"\(from)\", \"\(to)\"}"
        case .template(let from, let to): "{template, \"\(from)\", \"\(to)\"}"
        }
    }
}
