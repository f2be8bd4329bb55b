//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// Paths inside this repository, for tests that read checked-in fixtures.
public enum Repository {
    /// The repository's root, found from this file's path.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/otp-cases`: appup → relup examples produced by real OTP 25 (a copy of
    /// `shared/otp-cases`, so a fresh clone has them), or the folder `DISTILL_OTP_CASES` names.
    public static var otpCases: URL {
        if let override = ProcessInfo.processInfo.environment["DISTILL_OTP_CASES"] {
            return URL(fileURLWithPath: override)
        }
        return root.appendingPathComponent("Tests/otp-cases")
    }
}
