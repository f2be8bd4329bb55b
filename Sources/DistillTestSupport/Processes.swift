//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

public import Foundation

/// A process that exited with a non-zero status, or ran out of time.
public struct ProcessFailure: Error, CustomStringConvertible {
    public var command: [String]
    public var status: Int32
    public var output: String
    public var description: String {
        "\(command.joined(separator: " ")) exited with status \(status):\n\(output)"
    }
}

/// Runs `executable` with `arguments`, waits at most `timeout`, and returns standard
/// output; throws ``ProcessFailure`` (with standard error) on a non-zero exit.
@discardableResult
public func runProcess(
    _ executable: String,
    _ arguments: [String],
    currentDirectory: URL? = nil,
    environment: [String: String]? = nil,
    timeout: Duration = .seconds(600)
) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = ReadAll(output.fileHandleForReading)
    let errorData = ReadAll(errors.fileHandleForReading)
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        if ContinuousClock.now > deadline {
            process.terminate()
            process.waitUntilExit()
            throw ProcessFailure(command: [executable] + arguments, status: -1, output: "timed out after \(timeout)")
        }
        Thread.sleep(forTimeInterval: 0.005)
    }
    let stdout = String(decoding: outputData.wait(), as: UTF8.self)
    let stderr = String(decoding: errorData.wait(), as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ProcessFailure(
            command: [executable] + arguments,
            status: process.terminationStatus,
            output: stderr + stdout
        )
    }
    return stdout
}

/// Reads a pipe to its end on a background thread, so a chatty child never blocks.
// @unchecked: `data` is written by the reader thread before `done.signal()` and read only after
// `done.wait()`, which orders the two.
private final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A fresh directory under the system's temporary directory, removed when released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "distill-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
