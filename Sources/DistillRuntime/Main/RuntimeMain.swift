//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging

/// The runtime's one C entry point, called by `distill-run` after it has `dlopen`ed
/// libDistillRuntime.so (the launcher does not link DistillRuntime: see PluginABI.md).
///
/// Commands:
/// - `manifest PLUGIN.so`: prints the plugin's manifest (``LoadedApplication/manifest``)
///   as one Erlang term followed by `.`; starts no process and no thread.
/// - `check PLUGIN.so...`: loads the plugins into a node, verifies that one DistillRuntime
///   image is mapped, starts each application, prints what runs (kinds come from conformance
///   casts to this runtime's `Server` and `Supervisor`), stops them. Exit status 0 if all is well.
/// - `version`: the plugin ABI and the runtime's build fingerprint.
@_cdecl("distill_runtime_main")
public func distillRuntimeMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let arguments = (0..<Int(argc)).map { argv[$0].map { String(cString: $0) } ?? "" }
    return RuntimeCommand.run(Array(arguments.dropFirst()))
}

enum RuntimeCommand {
    static let usage = """
        usage: distill-run manifest PLUGIN.so
               distill-run check PLUGIN.so...
               distill-run version
        """

    static func run(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            printError(usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "manifest":
                guard rest.count == 1 else {
                    printError(usage)
                    return 2
                }
                try manifest(rest[0])
            case "check":
                guard !rest.isEmpty else {
                    printError(usage)
                    return 2
                }
                return try check(rest)
            case "version":
                printOut(
                    TermPrinter.printCompact(
                        .list([
                            .tuple([.atom("abi"), .integer(Int(Application.abiVersion))]),
                            .tuple([.atom("fingerprint"), .string(RuntimeImage.fingerprint)]),
                        ])
                    ) + "."
                )
            default:
                printError("distill-run: unknown command '\(command)'\n\(usage)")
                return 2
            }
        } catch {
            printError("distill-run: \(error)")
            return 1
        }
        return 0
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
    }

    static func manifest(_ path: String) throws {
        let codeServer = CodeServer(logger: Logger(label: "distill") { _ in SwiftLogNoOpLogHandler() })
        let loaded = try codeServer.load(path: absolute(path))
        writeAll(1, TermPrinter.file([loaded.manifest]))
    }

    static func check(_ paths: [String]) throws -> Int32 {
        let logger = Logger(label: "distill") { label in
            FileLogHandler(label: label, sink: .standardError, level: .warning)
        }
        let node = Node(configuration: .init(logger: logger))
        defer { node.shutdown() }
        var report: [Term] = []
        var healthy = true
        for path in paths {
            let loaded = try node.codeServer.load(path: absolute(path))
            node.codeServer.makeCurrent(loaded)
            report.append(.tuple([.atom("loaded"), .atom(loaded.name), .string(loaded.version)]))
            for code in loaded.modules {
                report.append(.tuple([.atom("module"), .atom(code.name), .atom(code.kind.rawValue)]))
            }
        }
        let copies = RuntimeImage.mappedCopies()
        report.append(.tuple([.atom("runtime_images"), .list(copies.map { .string($0) })]))
        if copies.count != 1 { healthy = false }
        for path in paths {
            let loaded = try node.codeServer.load(path: absolute(path))
            let supervisor = try node.startApplication(loaded.name)
            var children: Term = []
            if let supervisor { children = try node.call(.pid(supervisor), "which_children") }
            report.append(.tuple([.atom("started"), .atom(loaded.name), children]))
            for name in loaded.registered {
                guard let pid = node.whereis(name), let info = node.processInfo(pid) else {
                    report.append(.tuple([.atom("missing"), .atom(name)]))
                    healthy = false
                    continue
                }
                report.append(.tuple([.atom("registered"), .atom(name), .atom(info.module ?? "undefined")]))
            }
        }
        for (name, _, _) in node.runningApplications.reversed() { try node.stopApplication(name) }
        report.append(.tuple([.atom("stopped"), .integer(node.processCount)]))
        printOut(TermPrinter.printCompact(.tuple([.atom(healthy ? "ok" : "error"), .list(report)])) + ".")
        return healthy ? 0 : 1
    }

    static func printOut(_ text: String) { writeAll(1, text + "\n") }

    static func printError(_ text: String) { writeAll(2, text + "\n") }

    static func writeAll(_ descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
