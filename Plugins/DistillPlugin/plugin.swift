//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PackagePlugin

/// `swift package distill COMMAND ...`: runs `swift-distill COMMAND ...` on the package.
///
/// `swift package` holds the lock on the package's build directory while a plugin runs, so
/// the `swift build` that `swift-distill` runs would wait for it forever. The commands that
/// build (`release`, `plan`, `appup`, `init`) therefore get a build directory of their own,
/// in the plugin's work directory (`--scratch-path`): the first run there compiles the
/// package and its dependencies once; later runs are incremental.
///
/// ```sh
/// swift package --allow-writing-to-package-directory distill release --env prod
/// ```
@main
struct DistillPlugin: CommandPlugin {
    /// The commands that take `--package-path` and `--scratch-path`.
    static let packageCommands: Set<String> = ["init", "release", "plan", "appup"]

    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "swift-distill")
        var arguments = arguments
        if let command = arguments.first, Self.packageCommands.contains(command),
            !arguments.contains("--help"), !arguments.contains("-h")
        {
            if !arguments.contains("--package-path") {
                arguments += ["--package-path", context.package.directoryURL.path]
            }
            if !arguments.contains("--scratch-path") {
                arguments += ["--scratch-path", context.pluginWorkDirectoryURL.appending(path: "build").path]
            }
        }
        let process = Process()
        process.executableURL = tool.url
        process.arguments = arguments
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            Diagnostics.error(
                "swift-distill \(arguments.first ?? "") failed (exit status \(process.terminationStatus))"
            )
            throw DistillPluginFailure(status: process.terminationStatus)
        }
    }
}

/// `swift-distill` failed; it has said why on standard error.
struct DistillPluginFailure: Error, CustomStringConvertible {
    var status: Int32
    var description: String { "swift-distill exited with status \(status)" }
}
