//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillRelease
public import DistillTerm

/// Why a release could not boot: a file that cannot be read or is wrong, a plugin that does
/// not match its `.app`, an application that failed to start, a node already running.
///
/// Printed like a compiler: `releases/0.1.0/vm.args:3:1: error: unknown flag '-foo'`, paths
/// relative to the release root.
public struct BootError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem, for matching.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's snake_case name (`--json` reports it).
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file of the release is missing or cannot be read.
        public static var unreadableFile: Self { Self("unreadable_file") }
        /// A file is read but wrong (syntax, shape, an unset `${VAR}`, a name that does not match).
        public static var invalidFile: Self { Self("invalid_file") }
        /// `lib/APP-VSN/lib/` does not hold exactly one `.so` file.
        public static var pluginNotFound: Self { Self("plugin_not_found") }
        /// The plugin cannot be loaded, or its manifest disagrees with its `.app` file.
        public static var badPlugin: Self { Self("bad_plugin") }
        /// An application needs one that the release does not have, or needs are circular.
        public static var dependency: Self { Self("dependency") }
        /// A `vm.args` flag that does not exist or has a bad argument.
        public static var invalidFlag: Self { Self("invalid_flag") }
        /// An application failed to start.
        public static var startFailed: Self { Self("start_failed") }
        /// Another node of this release answers on its control socket.
        public static var alreadyRunning: Self { Self("already_running") }
        /// The control socket or its directory cannot be set up.
        public static var controlSocket: Self { Self("control_socket") }
    }

    public var code: Code
    /// The sentence after `error:`, starting lowercase.
    public var message: String
    /// The file at fault, relative to the release root, if there is one.
    public var file: String?
    /// Where in `file`, if known.
    public var location: SourceLocation?

    public init(_ code: Code, _ message: String, file: String? = nil, location: SourceLocation? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.location = location
    }

    /// A release file's own error (its file name is already the one to print).
    init(_ error: ReleaseFileError) {
        let unreadable = error.code == .unreadableFile
        self.init(
            unreadable ? .unreadableFile : .invalidFile,
            error.message,
            file: error.file,
            location: error.location
        )
    }

    public var description: String {
        if let location { return "\(location): error: \(message)" }
        if let file { return "\(file): error: \(message)" }
        return "error: \(message)"
    }
}
