//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
public import Logging
import Synchronization

/// A swift-log handler that appends one line per event to a file (a release's
/// `var/log/NODE.log`) or to standard error:
///
/// `2025-01-31T12:00:00.123Z error distill: process exited pid=<0.42.0> reason={error,...}`
///
/// Lines are written with one `write(2)` each under a lock, so lines from several threads
/// never interleave.
public struct FileLogHandler: LogHandler {
    /// An open log file shared by every handler that writes to it.
    public final class Sink: Sendable {
        private let descriptor: Int32
        private let ownsDescriptor: Bool
        private let lock = Mutex(())

        /// Opens (creating, appending) the file at `path`.
        public init(path: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw RuntimeError(.badArgument, "cannot open log file \(path): \(String(cString: strerror(errno)))")
            }
            descriptor = fd
            ownsDescriptor = true
        }

        private init(descriptor: Int32) {
            self.descriptor = descriptor
            ownsDescriptor = false
        }

        /// Standard error.
        public static let standardError = Sink(descriptor: 2)

        deinit { if ownsDescriptor { close(descriptor) } }

        func write(_ line: String) {
            var line = line
            lock.withLock { _ in
                line.withUTF8 { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                        if written <= 0 {
                            if written < 0 && errno == EINTR { continue }
                            return
                        }
                        offset += written
                    }
                }
            }
        }
    }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let sink: Sink

    public init(label: String, sink: Sink, level: Logger.Level = .info) {
        self.label = label
        self.sink = sink
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = Self.timestamp() + " " + event.level.rawValue + " " + label + ": " + event.message.description
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key]!)"
        }
        line += "\n"
        sink.write(line)
    }

    /// Now in UTC, ISO 8601 with milliseconds.
    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliseconds = spec.tv_nsec / 1_000_000
        let ms = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}
