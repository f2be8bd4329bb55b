//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization

/// A child process run to completion: `swift build`, the launcher's manifest mode,
/// `patchelf`, `strip`.
///
/// ``run(_:_:in:environment:output:)`` returns only once the child has exited and its
/// output has been read to the end; if anything fails on the way the child is terminated
/// and waited for first, so no child outlives the call.
struct ChildProcess {
    /// What a child left behind.
    struct Result: Sendable {
        var status: Int32
        /// Standard output (and standard error, with ``Output/merged``).
        var output: String
        /// Standard error, unless merged into ``output``.
        var errors: String
        /// Whether the child exited by a signal rather than with a status.
        var signalled: Bool

        var succeeded: Bool { status == 0 && !signalled }
    }

    /// How to treat the child's output.
    enum Output {
        /// Collect standard output and standard error apart.
        case separate
        /// Collect both into one stream, in the order written, and hand over each line
        /// (without its line break) as it arrives.
        case merged(lines: @Sendable (String) -> Void)
    }

    /// Runs `executable` with `arguments` and waits for it.
    ///
    /// - Parameters:
    ///   - directory: the working directory (default: this process's).
    ///   - environment: variables set or replaced in this process's environment.
    /// - Throws: a ``BuildError`` with code ``BuildError/Code/toolFailed`` if the child
    ///   cannot be started. A child that fails is not an error here: check the result.
    static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: String? = nil,
        environment: [String: String] = [:],
        output: Output = .separate
    ) throws(BuildError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        let lineHandler: (@Sendable (String) -> Void)?
        switch output {
        case .separate:
            process.standardError = errorPipe
            lineHandler = nil
        case .merged(let lines):
            process.standardError = outputPipe
            lineHandler = lines
        }
        do {
            try process.run()
        } catch {
            throw BuildError(
                code: .toolFailed,
                message: "cannot run '\(executable)': \(error.localizedDescription)"
            )
        }
        // The parent's copies of the write ends must go, or the readers never see the end.
        try? outputPipe.fileHandleForWriting.close()
        try? errorPipe.fileHandleForWriting.close()
        let outputReader = PipeReader(outputPipe.fileHandleForReading, lines: lineHandler)
        let errorReader = lineHandler == nil ? PipeReader(errorPipe.fileHandleForReading, lines: nil) : nil
        process.waitUntilExit()
        let standardOutput = outputReader.wait()
        let standardError = errorReader?.wait() ?? Data()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: standardOutput, as: UTF8.self),
            errors: String(decoding: standardError, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal
        )
    }

    /// The first executable called `name` on `PATH`, or `nil`.
    static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (path ?? "/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Reads a pipe to its end on a thread of its own, so a chatty child never blocks on a full
/// pipe, handing over complete lines as they come if asked to.
private final class PipeReader: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, lines: (@Sendable (String) -> Void)?) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.withLock { $0.append(chunk) }
                guard let lines else { continue }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    lines(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if let lines, !pending.isEmpty { lines(String(decoding: pending, as: UTF8.self)) }
            done.signal()
        }
        thread.start()
    }

    func wait() -> Data {
        done.wait()
        return data.withLock { $0 }
    }
}
