//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where things are in a release directory (DESIGN.md, "The release on disk"), for the node
/// that runs it and the commands that talk to it:
///
/// ```
/// ROOT/bin/NAME                              the release's script
/// ROOT/erts-ERTS/bin/distill-run             the launcher of runtime ERTS
/// ROOT/lib/APP-VSN/ebin/APP.app              an application's resource file
/// ROOT/lib/APP-VSN/lib/*.so                  its plugin (exactly one .so file)
/// ROOT/releases/start_erl.data               "ERTS VSN": what a boot starts
/// ROOT/releases/RELEASES                     the releases the handler knows
/// ROOT/releases/VSN/NAME.rel  sys.config  vm.args
/// ROOT/releases/VSN/commands/NAME[.ext]      custom commands (bin/NAME NAME ...)
/// ROOT/releases/VSN/hooks/KIND.d/*           hooks, run in lexical order
/// ROOT/var/run/NAME.sock                     the control socket (directory 0700, socket 0600)
/// ROOT/var/run/NAME.pid                      the node's process id
/// ROOT/var/run/NAME.heart.pid                heart's process id, while heart runs
/// ROOT/var/log/NAME.log                      the log (and a daemon's standard output and error)
/// ```
public struct ReleasePaths: Hashable, Sendable {
    /// The release's root directory, absolute, without a trailing slash.
    public var root: String
    /// The release's name (`kv`): it names the script, the socket, the pid and log files.
    public var name: String

    public init(root: String, name: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.name = name
    }

    public var releasesDirectory: String { root + "/releases" }
    public var startErlData: String { releasesDirectory + "/start_erl.data" }
    public var releasesFile: String { releasesDirectory + "/RELEASES" }

    /// `releases/VSN`.
    public func versionDirectory(_ version: String) -> String { releasesDirectory + "/" + version }
    public func relFile(_ version: String) -> String { versionDirectory(version) + "/" + name + ".rel" }
    public func sysConfig(_ version: String) -> String { versionDirectory(version) + "/sys.config" }
    public func vmArgs(_ version: String) -> String { versionDirectory(version) + "/vm.args" }

    /// `lib/APP-VSN`.
    public func applicationDirectory(_ application: String, _ version: String) -> String {
        root + "/lib/" + application + "-" + version
    }

    /// `lib/APP-VSN/ebin/APP.app`.
    public func appFile(_ application: String, _ version: String) -> String {
        applicationDirectory(application, version) + "/ebin/" + application + ".app"
    }

    /// `lib/APP-VSN/lib`: where the application's plugin is.
    public func pluginDirectory(_ application: String, _ version: String) -> String {
        applicationDirectory(application, version) + "/lib"
    }

    /// `erts-ERTS/bin/distill-run`.
    public func launcher(ertsVersion: String) -> String { root + "/erts-" + ertsVersion + "/bin/distill-run" }

    public var runDirectory: String { root + "/var/run" }
    public var socket: String { runDirectory + "/" + name + ".sock" }
    public var pidFile: String { runDirectory + "/" + name + ".pid" }
    public var heartPidFile: String { runDirectory + "/" + name + ".heart.pid" }
    public var logDirectory: String { root + "/var/log" }
    public var logFile: String { logDirectory + "/" + name + ".log" }

    /// `path` relative to the root, for messages (`releases/0.1.0/vm.args`).
    public func relative(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }
}
