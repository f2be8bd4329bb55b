//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The launcher. It deliberately does not import DistillRuntime: an executable that depends
// on a library target links it statically, and the node would then hold two copies of the
// runtime (this one and the libDistillRuntime.so that plugins link), with two distinct
// `Server` protocols. Instead it opens the shared library and calls its one C entry point.
//
// Where libDistillRuntime.so is looked for, in order:
// 1. `$DISTILL_RUNTIME_LIBRARY` (a full path), if set;
// 2. `<dir of this executable>/../lib/libDistillRuntime.so` (a release: erts-VSN/bin, erts-VSN/lib);
// 3. `<dir of this executable>/libDistillRuntime.so` (a SwiftPM build directory, .build/<config>/).

import Glibc

func fail(_ message: String) -> Never {
    var text = "distill-run: \(message)\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(70)
}

func executableDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
    guard length > 0 else { fail("cannot read /proc/self/exe") }
    let path = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

func runtimeCandidates() -> [String] {
    if let override = getenv("DISTILL_RUNTIME_LIBRARY") { return [String(cString: override)] }
    let directory = executableDirectory()
    return [directory + "/../lib/libDistillRuntime.so", directory + "/libDistillRuntime.so"]
}

let candidates = runtimeCandidates()
guard let path = candidates.first(where: { access($0, R_OK) == 0 }) else {
    fail("libDistillRuntime.so not found (looked at \(candidates.joined(separator: ", ")))")
}
guard let runtime = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
    fail("cannot load \(path): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
}
guard let entry = dlsym(runtime, "distill_runtime_main") else {
    fail("\(path) has no distill_runtime_main")
}
typealias RuntimeMain = @convention(c) (Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32
let status = unsafeBitCast(entry, to: RuntimeMain.self)(CommandLine.argc, CommandLine.unsafeArgv)
exit(status)
