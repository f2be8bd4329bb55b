//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// An `ArchiveError` before the archive's name is attached at the API boundary.
struct Failure: Error {
    var code: ArchiveError.Code
    var entry: String?
    var message: String

    init(_ code: ArchiveError.Code, entry: String? = nil, _ message: String) {
        self.code = code
        self.entry = entry
        self.message = message
    }

    /// A failed system call: `what: strerror(errno)`.
    static func system(_ what: String, errno code: Int32, entry: String? = nil) -> Failure {
        Failure(.io, entry: entry, "\(what): \(String(cString: strerror(code)))")
    }

    func error(archive: String) -> ArchiveError {
        ArchiveError(code: code, archive: archive, entry: entry, message: message)
    }
}
