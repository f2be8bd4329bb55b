//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillTerm

/// Something the planner accepts but the user should know: an appup whose version is
/// not the application's, a runtime version change, a source change that the plan
/// handles in a way worth a look.
///
/// The relup compiler's warnings are those of `systools:make_relup`; ``term`` is the
/// warning term systools returns and ``systoolsText`` the line it prints.
public struct PlanWarning: Hashable, Sendable, CustomStringConvertible {
    /// What kind of warning this is; ``name`` is systools' tag where there is one.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name.
        public let name: String

        private init(_ name: String) { self.name = name }

        public var description: String { name }

        /// The appup's own version is not the application's (`bad_vsn`).
        public static var appupVersionMismatch: Self { Self("bad_vsn") }
        /// The runtime (`erts`) version differs between the releases (`erts_vsn_changed`);
        /// the relup restarts the node.
        public static var ertsVersionChanged: Self { Self("erts_vsn_changed") }
        /// The release upgraded from has a `sasl` older than 2.2, so the emulator restarts
        /// last (`pre_R15_emulator_upgrade`).
        public static var preR15EmulatorUpgrade: Self { Self("pre_R15_emulator_upgrade") }
        /// The runtime fingerprint differs between two builds: the upgrade must restart the node.
        public static var runtimeChanged: Self { Self("runtime_changed") }
        /// A hand-written appup replaced the generated one.
        public static var handWrittenAppup: Self { Self("hand_written_appup") }
    }

    /// What kind of warning this is.
    public var code: Code
    /// The sentence after `warning:`.
    public var message: String
    /// The warning as systools returns it (`{erts_vsn_changed, {{"demo","13.1.5"}, ...}}`),
    /// or `nil` for the generator's own warnings.
    public var term: Term?
    /// The application concerned, if one is.
    public var application: String?

    public init(code: Code, message: String, term: Term? = nil, application: String? = nil) {
        self.code = code
        self.message = message
        self.term = term
        self.application = application
    }

    /// `warning: message`.
    public var description: String { "warning: " + message }

    /// The line `systools:make_relup` prints for this warning (without `silent`), or
    /// ``description`` for a warning systools does not have.
    public var systoolsText: String {
        guard let term else { return description }
        if code == .ertsVersionChanged, let pair = term.tupleElements?.last?.tupleElements, pair.count == 2 {
            return "*WARNING* The ERTS version changed between \(pair[0]) and \(pair[1])"
        }
        if code == .preR15EmulatorUpgrade {
            return "*WARNING* Upgrade from an OTP version earlier than R15. "
                + "New code should be compiled with the old emulator."
        }
        return "*WARNING* \(term)"
    }
}
