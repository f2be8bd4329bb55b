//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
import Foundation

/// Reads a package's `rel/config` and picks the release and environment to build.
public enum ConfigLoader {
    /// The config of the package in `packageDirectory` (`file` is relative to it).
    ///
    /// - Throws: ``BuildError/Code/noConfig`` (suggesting `swift-distill init`) if the file
    ///   does not exist; ``BuildError/Code/invalidConfig`` with the file, line and column
    ///   (and the source line under it) if it cannot be decoded.
    public static func load(packageDirectory: String, file: String = "rel/config") throws(BuildError) -> DistillConfig {
        let path = file.hasPrefix("/") ? file : packageDirectory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw BuildError(
                code: .noConfig,
                message: "no \(file) in '\(packageDirectory)': it says which releases to build",
                notes: ["run 'swift-distill init' to write one for this package"]
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BuildError(code: .invalidConfig, message: "cannot read '\(path)'", file: file)
        }
        let source = String(decoding: data, as: UTF8.self)
        do {
            return try DistillConfig(parsing: source, file: file)
        } catch {
            throw BuildError(
                code: .invalidConfig,
                message: error.message,
                file: file,
                location: error.location,
                detail: renderedSourceLine(error, source: source)
            )
        }
    }

    /// The settings of `release` in `environment` (the defaults when `nil`).
    ///
    /// - Throws: ``BuildError/Code/unknownName`` naming what `rel/config` defines instead.
    public static func settings(
        _ config: DistillConfig,
        release: String?,
        environment: String?,
        file: String = "rel/config"
    ) throws(BuildError) -> ReleaseSettings {
        do {
            return try config.settings(release: release, environment: environment, file: file)
        } catch {
            throw BuildError(code: .unknownName, message: error.message, file: file, location: error.location)
        }
    }

    /// The source line and a caret under the column, as `ReleaseFileError.rendered` prints them.
    private static func renderedSourceLine(_ error: ReleaseFileError, source: String) -> String? {
        let rendered = error.rendered(source: source)
        guard let newline = rendered.firstIndex(of: "\n") else { return nil }
        return String(rendered[rendered.index(after: newline)...])
    }
}
