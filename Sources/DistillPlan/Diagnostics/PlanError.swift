//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import DistillRelease
public import DistillTerm

/// A reason the planner cannot make a relup or an appup: what is wrong, and the
/// application, version and instruction at fault.
///
/// The relup compiler's codes mirror the reasons `systools:make_relup` gives for the
/// same input (``Code/otpName``): `no_relup`, `muldef_module`, `undef_module`,
/// `bad_op_before_point_of_no_return`, ... . ``description`` prints one
/// compiler-style line, `new/lib/foo-1.1/ebin/foo.appup: error: ...`.
public struct PlanError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is: stable across wording changes, so tools and tests
    /// can match it. ``name`` is the snake_case spelling `--json` reports.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's snake_case name: the reason atom `systools` uses where there is one.
        public let name: String
        /// The reason atom `systools:make_relup` reports for the same problem (`file_problem`
        /// for a missing appup, `error_reading` for a missing `.app`), or the generator's own name.
        public let otpName: String

        private init(_ name: String, otp: String? = nil) {
            self.name = name
            self.otpName = otp ?? name
        }

        public var description: String { name }

        // MARK: Releases (systools_make)

        /// `kernel` or `stdlib` is not in the release (`missing_mandatory_app`).
        public static var missingMandatoryApplication: Self { Self("missing_mandatory_app") }
        /// `kernel` or `stdlib` has a start type other than `permanent` (`mandatory_app`).
        public static var mandatoryApplicationType: Self { Self("mandatory_app") }
        /// The release has no `sasl`, so it cannot be upgraded (`missing_sasl`).
        public static var missingSasl: Self { Self("missing_sasl") }
        /// No `.app` was given for an application of the release (OTP: `error_reading`, `not_found`).
        public static var missingApplication: Self { Self("missing_application", otp: "error_reading") }
        /// The `.app` given for an application has another name or version than the
        /// release lists (OTP: `error_reading`, `no_valid_version`).
        public static var applicationMismatch: Self { Self("application_mismatch", otp: "error_reading") }
        /// The release includes an application that the `.app` does not list in
        /// `included_applications` (OTP: `error_reading`, `override_include`).
        public static var overrideInclude: Self { Self("override_include", otp: "error_reading") }
        /// An application needs or includes one the release does not have (`undefined_applications`).
        public static var undefinedApplications: Self { Self("undefined_applications") }
        /// Two applications register the same process name (`duplicate_register`).
        public static var duplicateRegister: Self { Self("duplicate_register") }
        /// Two applications include the same application (`duplicate_include`).
        public static var duplicateInclude: Self { Self("duplicate_include") }
        /// A module is listed by two applications, or twice by one (`duplicate_modules`).
        public static var duplicateModules: Self { Self("duplicate_modules") }
        /// Applications that need each other (`circular_dependencies`).
        public static var circularDependencies: Self { Self("circular_dependencies") }

        // MARK: Appups (systools_relup)

        /// An application whose version changed has no appup (OTP: `file_problem`).
        public static var missingAppup: Self { Self("missing_appup", otp: "file_problem") }
        /// An application whose version changed has an appup that cannot be read
        /// (OTP: `file_problem`); ``PlanError/underlying`` says why.
        public static var unreadableAppup: Self { Self("unreadable_appup", otp: "file_problem") }
        /// The appup has no entry for the version upgraded from or downgraded to (`no_relup`).
        public static var noRelup: Self { Self("no_relup") }
        /// Warnings were found and the option makes them errors (`warnings_treated_as_errors`).
        public static var warningsTreatedAsErrors: Self { Self("warnings_treated_as_errors") }

        // MARK: Scripts (systools_rc)

        /// An instruction other than `load_object_code` or `apply` before
        /// `point_of_no_return` (`bad_op_before_point_of_no_return`).
        public static var badOpBeforePointOfNoReturn: Self { Self("bad_op_before_point_of_no_return") }
        /// A script with two `point_of_no_return` (`too_many_point_of_no_return`).
        public static var tooManyPointOfNoReturn: Self { Self("too_many_point_of_no_return") }
        /// A written `{load, ...}` whose module no `load_object_code` reads (`no_object_code`).
        public static var noObjectCode: Self { Self("no_object_code") }
        /// A written `suspend` without its `resume` (`suspended_not_resumed`).
        public static var suspendedNotResumed: Self { Self("suspended_not_resumed") }
        /// A written `resume` without its `suspend` (`resumed_not_suspended`).
        public static var resumedNotSuspended: Self { Self("resumed_not_suspended") }
        /// A written `start` without its `stop` (`start_not_stop`).
        public static var startNotStop: Self { Self("start_not_stop") }
        /// A written `stop` without its `start` (`stop_not_start`).
        public static var stopNotStart: Self { Self("stop_not_start") }
        /// `add_application`, `remove_application` or `restart_application` of an
        /// application the release does not have (`no_such_application`).
        public static var noSuchApplication: Self { Self("no_such_application") }
        /// `remove_application` of an application the release still has (`removed_application_present`).
        public static var removedApplicationPresent: Self { Self("removed_application_present") }
        /// Two instructions for one module (`muldef_module`).
        public static var muldefModule: Self { Self("muldef_module") }
        /// A dependency on a module that has no instruction (`undef_module`).
        public static var undefModule: Self { Self("undef_module") }
        /// A module loaded that no application of the release lists (`no_such_module`).
        public static var noSuchModule: Self { Self("no_such_module") }
        /// `load_object_code` of two versions of one application (`conflicting_versions`).
        public static var conflictingVersions: Self { Self("conflicting_versions") }

        // MARK: The appup generator

        /// A module's code changed but the application's version did not.
        public static var codeChangedWithoutVersion: Self { Self("code_changed_without_version") }
        /// A server's state changed shape but its `vsn` did not.
        public static var stateChangedWithoutVsn: Self { Self("state_changed_without_vsn") }
        /// A module is a server in one build and a library (or supervisor) in the other.
        public static var moduleKindChanged: Self { Self("module_kind_changed") }
        /// Two snapshots of different applications, or a snapshot that contradicts itself.
        public static var invalidSnapshot: Self { Self("invalid_snapshot") }
        /// A hand-written appup names a module that is not in the version it should be in,
        /// or does not cover the versions it must.
        public static var invalidAppup: Self { Self("invalid_appup") }
    }

    /// What kind of problem this is.
    public var code: Code
    /// The sentence after `error:`: starts lowercase, quotes names in single quotes.
    public var message: String
    /// The application at fault, if one is.
    public var application: String?
    /// Its version, if it matters (the appup's or the snapshot's).
    public var version: String?
    /// The instruction at fault, as written.
    public var instruction: Term?
    /// The file at fault (an appup or a `.rel`), as the caller named it.
    public var file: String?
    /// Why a file could not be used, for ``Code/unreadableAppup``.
    public var underlying: ReleaseFileError?

    public init(
        code: Code,
        message: String,
        application: String? = nil,
        version: String? = nil,
        instruction: Term? = nil,
        file: String? = nil,
        underlying: ReleaseFileError? = nil
    ) {
        self.code = code
        self.message = message
        self.application = application
        self.version = version
        self.instruction = instruction
        self.file = file
        self.underlying = underlying
    }

    /// `file: error: message`, or `error: message` without a file; then the underlying
    /// problem on its own line.
    public var description: String {
        var text = (file.map { "\($0): " } ?? "") + "error: " + message
        if let underlying { text += "\n" + underlying.description }
        return text
    }
}
