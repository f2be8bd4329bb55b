//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Why the release handler refused or failed a command: unpack, install, upgrade,
/// downgrade, make permanent, remove.
///
/// ``code`` is for matching; ``message`` is a sentence that names the release, the
/// instruction, the module or the file at fault. A failure after a relup's
/// `point_of_no_return` carries the ``rollback`` that put everything back.
public struct ReleaseHandlerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case busy, noSuchRelease, alreadyUnpacked, alreadyInstalled, badStatus, permanentRelease
            case badRelease, badArchive, noScript, badScript, oldProcesses, loadFailed, imageLimit
            case instructionFailed, hookFailed, healthCheckFailed, configFailed, fileSystem, restartFailed
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Another command that changes releases is running (a second upgrade is refused).
        public static let busy = Code(.busy)
        /// No release of that version is unpacked or installed.
        public static let noSuchRelease = Code(.noSuchRelease)
        /// The release is unpacked already.
        public static let alreadyUnpacked = Code(.alreadyUnpacked)
        /// The release is the one running.
        public static let alreadyInstalled = Code(.alreadyInstalled)
        /// The release's status does not allow the command (OTP's `bad_status`).
        public static let badStatus = Code(.badStatus)
        /// The command would remove the permanent (or the running) release.
        public static let permanentRelease = Code(.permanentRelease)
        /// The release's files are missing or wrong (its `.rel` names another release, an
        /// application directory is missing, a term file does not parse).
        public static let badRelease = Code(.badRelease)
        /// The tarball is unsafe, damaged or too large; nothing was written.
        public static let badArchive = Code(.badArchive)
        /// No relup entry leads from the running release to the one asked for.
        public static let noScript = Code(.noScript)
        /// The relup script cannot run here (an instruction this node does not support, or an
        /// illegal instruction before `point_of_no_return`).
        public static let badScript = Code(.badScript)
        /// A module to replace with `soft_purge` still has processes in old code (OTP's
        /// `old_processes`): refused before anything started.
        public static let oldProcesses = Code(.oldProcesses)
        /// `load_object_code` failed (a missing plugin, a plugin of another runtime build, a
        /// missing module): nothing was switched.
        public static let loadFailed = Code(.loadFailed)
        /// Loading the new release would stack more plugin images than the node allows.
        public static let imageLimit = Code(.imageLimit)
        /// An instruction failed after `point_of_no_return`; everything was rolled back.
        public static let instructionFailed = Code(.instructionFailed)
        /// A `pre_upgrade` or `post_upgrade` hook failed.
        public static let hookFailed = Code(.hookFailed)
        /// The health check failed during the soak; the node was downgraded in place.
        public static let healthCheckFailed = Code(.healthCheckFailed)
        /// The new release's `sys.config` cannot be read (say, an unset environment variable).
        public static let configFailed = Code(.configFailed)
        /// Reading or writing a file failed.
        public static let fileSystem = Code(.fileSystem)
        /// Restarting the runtime (`restart_new_emulator`, `restart_emulator`) failed.
        public static let restartFailed = Code(.restartFailed)

        /// The code's name, as `error` terms carry it (`no_such_release`, `busy`, ...).
        public var name: String {
            var result = ""
            for character in wrapped.rawValue {
                if character.isUppercase {
                    result += "_" + character.lowercased()
                } else {
                    result.append(character)
                }
            }
            return result
        }

        public var description: String { name }
    }

    public var code: Code
    /// A sentence naming the subject, starting lowercase.
    public var message: String
    /// For ``Code-swift.struct/instructionFailed`` and ``Code-swift.struct/healthCheckFailed``:
    /// what was undone to put the old release back.
    public var rollback: RollbackReport?

    public init(_ code: Code, _ message: String, rollback: RollbackReport? = nil) {
        self.code = code
        self.message = message
        self.rollback = rollback
    }

    public var description: String {
        guard let rollback else { return "error: \(message)" }
        return "error: \(message)\n\(rollback)"
    }
}
