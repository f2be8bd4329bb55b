//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An error from the runtime: a failed call, an unknown process or module, a plugin that
/// cannot be loaded, an upgrade step that cannot be done.
public struct RuntimeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for matching.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case timeout, noProcess, exited, nameTaken, alreadyRegistered, callingSelf, notSuspended
            case suspendTimeout, startFailed, unknownModule, notAServer, loadFailed, badPlugin
            case codeChangeFailed, badArgument, notRunning, unknownSocket, socketError, interrupted
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A call got no reply in time (the late reply, if any, is dropped).
        public static let timeout = Code(.timeout)
        /// No process has that pid or name.
        public static let noProcess = Code(.noProcess)
        /// The called process exited before replying; ``RuntimeError/reason`` says why.
        public static let exited = Code(.exited)
        /// The name is registered to another process.
        public static let nameTaken = Code(.nameTaken)
        /// The process already has a registered name.
        public static let alreadyRegistered = Code(.alreadyRegistered)
        /// A process called itself (it would wait forever).
        public static let callingSelf = Code(.callingSelf)
        /// The operation needs a suspended process.
        public static let notSuspended = Code(.notSuspended)
        /// The process did not finish its current message in time to be suspended.
        public static let suspendTimeout = Code(.suspendTimeout)
        /// A process's `start` threw or returned an error.
        public static let startFailed = Code(.startFailed)
        /// No loaded application has a module of that name.
        public static let unknownModule = Code(.unknownModule)
        /// The module is not a server (or not a supervisor) where one is needed.
        public static let notAServer = Code(.notAServer)
        /// `dlopen` or `dlsym` failed.
        public static let loadFailed = Code(.loadFailed)
        /// The plugin's `distill_application` did not return a valid application.
        public static let badPlugin = Code(.badPlugin)
        /// `codeChange` threw, or the old state could not be encoded or decoded.
        public static let codeChangeFailed = Code(.codeChangeFailed)
        /// An argument is malformed.
        public static let badArgument = Code(.badArgument)
        /// The node is not running (not started, or stopped).
        public static let notRunning = Code(.notRunning)
        /// No socket has that identifier (or it is closed).
        public static let unknownSocket = Code(.unknownSocket)
        /// A socket operation failed.
        public static let socketError = Code(.socketError)
        /// The waiting process was killed while it waited.
        public static let interrupted = Code(.interrupted)

        public var description: String { "\(wrapped)" }
    }

    public var code: Code
    /// A sentence that names the subject, starting lowercase.
    public var message: String
    /// The exit reason, for ``Code-swift.struct/exited`` and ``Code-swift.struct/startFailed``.
    public var reason: ExitReason?

    public init(_ code: Code, _ message: String, reason: ExitReason? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
    }

    public var description: String { "error: \(message)" }
}
