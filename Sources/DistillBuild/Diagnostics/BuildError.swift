//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// Why a release, an appup or a plan could not be made: a code to match on, a sentence
/// for people, and where the problem is when it is in a file.
///
/// ``description`` reads like a compiler's message (`rel/config:12:7: error: ...`);
/// ``detail`` holds what the sentence refers to at length (the output of a failed
/// `swift build`, the source line under a config error) and ``notes`` what to do about it.
public struct BuildError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, to match on in code and tests. Each code belongs to one ``Stage``,
    /// which decides the exit status of the command line.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name (`no_config`, `swift_build_failed`, ...).
        public let name: String
        /// The part of the work that failed.
        public let stage: Stage

        private init(_ name: String, _ stage: Stage) {
            self.name = name
            self.stage = stage
        }

        public var description: String { name }

        /// The package has no `rel/config`.
        public static var noConfig: Self { Self("no_config", .configuration) }
        /// `rel/config` cannot be read or decoded (with the file's line and column).
        public static var invalidConfig: Self { Self("invalid_config", .configuration) }
        /// `--env` or `--name` names an environment or release `rel/config` does not define.
        public static var unknownName: Self { Self("unknown_name", .configuration) }
        /// `init` would overwrite an existing file.
        public static var fileExists: Self { Self("file_exists", .configuration) }
        /// The package cannot be described (`swift package describe` failed or printed nonsense).
        public static var invalidPackage: Self { Self("invalid_package", .build) }
        /// The package has no product of that name.
        public static var unknownProduct: Self { Self("unknown_product", .configuration) }
        /// A product exists but is not a dynamic library.
        public static var notADynamicLibrary: Self { Self("not_a_dynamic_library", .configuration) }
        /// `swift build` failed.
        public static var swiftBuildFailed: Self { Self("swift_build_failed", .build) }
        /// A needed tool (`swift`, `patchelf`, `strip`) is missing or failed.
        public static var toolFailed: Self { Self("tool_failed", .build) }
        /// The plugin does not export `distill_application`.
        public static var missingEntryPoint: Self { Self("missing_entry_point", .build) }
        /// The launcher could not read the plugin's manifest, or the manifest is malformed.
        public static var invalidManifest: Self { Self("invalid_manifest", .build) }
        /// A plugin's version and `rel/config`'s `vsn` for it disagree.
        public static var versionMismatch: Self { Self("version_mismatch", .configuration) }
        /// A plugin's `DT_NEEDED` names another plugin.
        public static var pluginLinksPlugin: Self { Self("plugin_links_plugin", .build) }
        /// A shared library the release needs was not found, or an ELF file cannot be read.
        public static var invalidBinary: Self { Self("invalid_binary", .build) }
        /// A template or overlay failed (missing source, syntax error).
        public static var invalidTemplate: Self { Self("invalid_template", .configuration) }
        /// `--upgrade` found no previous release, or the previous release is incomplete.
        public static var previousReleaseNotFound: Self { Self("previous_release_not_found", .upgrade) }
        /// The upgrade cannot be planned: code changed without a version bump, a state changed
        /// without a `vsn` bump, a hand-written appup is wrong, the relup cannot be made.
        public static var upgradeRefused: Self { Self("upgrade_refused", .upgrade) }
        /// The output directory cannot be written.
        public static var outputNotWritable: Self { Self("output_not_writable", .output) }
        /// The tarball could not be written (disk full, I/O error); nothing was left under its name.
        public static var packFailed: Self { Self("pack_failed", .output) }
    }

    /// The part of the work that failed; the command line's exit status.
    public enum Stage: Int32, Hashable, Sendable {
        /// `rel/config`, the command's arguments, the package's products: exit status 2.
        case configuration = 2
        /// `swift build`, the plugins and the runtime's files: exit status 3.
        case build = 3
        /// The upgrade from the previous release: exit status 4.
        case upgrade = 4
        /// Writing the release and its tarball: exit status 5.
        case output = 5
    }

    public var code: Code
    public var message: String
    /// The file at fault, if any.
    public var file: String?
    /// Where in ``file``, if known.
    public var location: SourceLocation?
    /// Text the message refers to, shown after it (a failed build's output, a source line).
    public var detail: String?
    /// Hints shown after the message, each printed as `note: ...`.
    public var notes: [String]

    public init(
        code: Code,
        message: String,
        file: String? = nil,
        location: SourceLocation? = nil,
        detail: String? = nil,
        notes: [String] = []
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.location = location
        self.detail = detail
        self.notes = notes
    }

    /// The exit status for this error (``Stage``).
    public var exitStatus: Int32 { code.stage.rawValue }

    /// `file:line:column: error: message`, `file: error: message` or `error: message`.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? file.map { "\($0): " } ?? ""
        return "\(prefix)error: \(message)"
    }

    /// ``description``, then ``detail`` and ``notes``: everything to print.
    public var detailedDescription: String {
        var lines = [description]
        if let detail, !detail.isEmpty { lines.append(detail.hasSuffix("\n") ? String(detail.dropLast()) : detail) }
        lines += notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
