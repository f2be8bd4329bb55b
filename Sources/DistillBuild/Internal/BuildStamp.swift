//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Glibc

/// What a set of files looked like (each one's path, size and modification time, to the
/// nanosecond), written next to a result so that a later build can tell the result is
/// still good without redoing it: SwiftPM's own test for "nothing to do", applied to
/// the few steps around `swift build` that would otherwise cost a second each.
struct BuildStamp: Equatable {
    /// The description of the inputs; two stamps are equal when every input is unchanged.
    var text: String

    /// The stamp of `paths` (files, or directories taken with everything in them) and of
    /// `facts` (settings that change the result). `nil` if a path cannot be read.
    init?(paths: [String], facts: [String] = []) {
        var lines = facts
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            if info.st_mode & S_IFMT == S_IFDIR {
                guard let children = try? FileManager.default.subpathsOfDirectory(atPath: path) else { return nil }
                for child in children.sorted() {
                    var childInfo = stat()
                    guard stat(path + "/" + child, &childInfo) == 0 else { return nil }
                    lines.append(Self.line(path + "/" + child, childInfo))
                }
            } else {
                lines.append(Self.line(path, info))
            }
        }
        text = lines.joined(separator: "\n")
    }

    init(text: String) { self.text = text }

    private static func line(_ path: String, _ info: stat) -> String {
        "\(path) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)"
    }

    /// The stamp stored at `path`, if any.
    static func read(_ path: String) -> BuildStamp? {
        (try? String(contentsOfFile: path, encoding: .utf8)).map(BuildStamp.init(text:))
    }

    /// Stores the stamp at `path` (a cache: failing to write it only costs time later).
    func write(to path: String) {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
