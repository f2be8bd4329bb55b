//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillTerm
import Foundation

/// Boot-to-ready time of a release: from the exec of the node to its control socket
/// answering `ping`, the goal being under 100 ms; compared in the same run with OTP 25 booting
/// its minimal system and running one expression (`erl -noshell -eval 'halt().'`).
///
/// The release is laid out in a temporary directory from a plugin fixture build (release
/// configuration, `--fixture DIR`: `distill-run`, `libDistillRuntime.so`, `libLabPlugin.so`,
/// `libKVPlugin.so`), with `bin/bench` rendered from `templates/bin/release.mustache`: two
/// applications, seven supervisors and a dozen servers, a TCP listener. `make bench` builds the
/// fixture first (scripts/bench.sh).
struct BootBenchmark {
    var runs = 7
    var fixture = ".build/fixtures/KVPlugin/release"
    var otp = true

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs":
                guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                    throw BenchmarkError("--runs needs a positive number")
                }
                runs = value
            case "--fixture":
                guard let value = iterator.next() else { throw BenchmarkError("--fixture needs a directory") }
                fixture = value
            case "--no-otp":
                otp = false
            default:
                throw BenchmarkError("unknown argument '\(argument)'")
            }
        }
    }

    func run() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("distill-bench-boot-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try layOut(root)
        let launcher = root + "/erts-1/bin/distill-run"
        let script = root + "/bin/bench"
        var direct = Stats("distill-run foreground")
        var viaScript = Stats("bin/bench foreground")
        var daemon = Stats("bin/bench start (returns)")
        var inProcess = Stats("in-process (main to ready)")
        var erlang = Stats("erl -noshell -eval 'halt().'")
        // One warm-up of each (page cache), then the timed runs, alternating the order.
        for run in -1..<runs {
            let measureDirect = {
                let seconds = try Self.bootToReady(
                    launcher,
                    ["foreground", "--root", root, "--name", "bench"],
                    root: root
                )
                if run >= 0 {
                    direct.values.append(seconds)
                    if let reported = Self.reportedBoot(root) { inProcess.values.append(reported) }
                }
            }
            let measureScript = {
                let seconds = try Self.bootToReady("/bin/sh", [script, "foreground"], root: root)
                if run >= 0 { viaScript.values.append(seconds) }
            }
            if run % 2 == 0 {
                try measureDirect()
                try measureScript()
            } else {
                try measureScript()
                try measureDirect()
            }
            let start = ContinuousClock.now
            try Self.shell([script, "start"])
            let elapsed = ContinuousClock.now - start
            if run >= 0 { daemon.append(elapsed) }
            try Self.shell([script, "stop"])
            if otp, let seconds = try? Self.time(["erl", "-noshell", "-eval", "halt()."]), run >= 0 {
                erlang.values.append(seconds)
            }
        }
        print(
            "boot: release of 2 applications (lab: 5 supervisors, 11 servers, a TCP listener; kv), exec to ping answered:"
        )
        for stats in [direct, viaScript, daemon, inProcess] { print("  " + stats.summary()) }
        if otp && !erlang.values.isEmpty {
            print("  " + erlang.summary() + "  (OTP 25 boot + one expression, the baseline)")
            print("  ratio (erl / distill-run foreground, medians): \(format(erlang.median / direct.median, 1))x")
        }
        print(
            "  goal: under 100 ms (\(direct.median < 0.1 ? "met" : "NOT met") by the median of distill-run foreground)"
        )
    }

    // MARK: - The release

    private func layOut(_ root: String) throws {
        let manager = FileManager.default
        let fixture = URL(fileURLWithPath: fixture).resolvingSymlinksInPath().path
        for file in ["distill-run", "libDistillRuntime.so", "libLabPlugin.so", "libKVPlugin.so"] {
            guard manager.fileExists(atPath: fixture + "/" + file) else {
                throw BenchmarkError(
                    "no \(file) in \(fixture): build the fixture first (swift build -c release --package-path "
                        + "Tests/DistillRuntimeTests/Fixtures/KVPlugin --scratch-path .build/fixtures/KVPlugin "
                        + "--product LabPlugin, KVPlugin, distill-run)"
                )
            }
        }
        func write(_ text: String, _ relative: String) throws {
            let path = root + "/" + relative
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        func copy(_ file: String, _ relative: String) throws {
            let path = root + "/" + relative
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try manager.copyItem(atPath: fixture + "/" + file, toPath: path)
        }
        try copy("distill-run", "erts-1/bin/distill-run")
        try copy("libDistillRuntime.so", "erts-1/lib/libDistillRuntime.so")
        try Self.shell(["patchelf", "--set-soname", "libDistillRuntime.so", root + "/erts-1/lib/libDistillRuntime.so"])
        try copy("libLabPlugin.so", "lib/lab-1.0.0/lib/libLabPlugin-1.0.0.so")
        try copy("libKVPlugin.so", "lib/kv-0.1.0/lib/libKVPlugin-0.1.0.so")
        try write(
            "{application,lab,[{description,\"lab\"},{vsn,\"1.0.0\"},{modules,['Lab','Echo','Worker',"
                + "'StrategySupervisor','LabSupervisor']},{registered,[lab,echo,sup_o,sup_a,sup_r]},{applications,[kv]},"
                + "{env,[{echo_port,0}]},{mod,{'LabSupervisor',[]}}]}.\n",
            "lib/lab-1.0.0/ebin/lab.app"
        )
        try write(
            "{application,kv,[{description,\"kv\"},{vsn,\"0.1.0\"},{modules,['KV','KVFormat','KVSupervisor']},"
                + "{registered,[kv]},{applications,[]},{env,[{limit,100},{mode,fast}]},{mod,{'KVSupervisor',[]}}]}.\n",
            "lib/kv-0.1.0/ebin/kv.app"
        )
        try write(
            "{release,{\"bench\",\"0.1.0\"},{erts,\"1\"},[{kv,\"0.1.0\"},{lab,\"1.0.0\"}]}.\n",
            "releases/0.1.0/bench.rel"
        )
        try write("[{lab, [{greeting, \"${USER:-nobody}\"}]}].\n", "releases/0.1.0/sys.config")
        try write("-log_level notice\n", "releases/0.1.0/vm.args")
        try write("1 0.1.0", "releases/start_erl.data")
        let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("templates/bin/release.mustache")
        let script = try String(contentsOf: template, encoding: .utf8).replacingOccurrences(
            of: "{{release_name}}",
            with: "bench"
        )
        try write(script, "bin/bench")
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/bin/bench")
    }

    // MARK: - Measuring

    /// Spawns `executable` (standard streams to /dev/null), polls the control socket until the
    /// node answers `ping`, stops it; returns the seconds from the spawn to the answer.
    private static func bootToReady(_ executable: String, _ arguments: [String], root: String) throws -> Double {
        let socket = root + "/var/run/bench.sock"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
            throw BenchmarkError("cannot spawn \(executable)")
        }
        var answered: Duration?
        while ContinuousClock.now - start < .seconds(30) {
            if (try? request(socket, "ping")) == .atom("pong") {
                answered = ContinuousClock.now - start
                break
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw BenchmarkError("\(executable) exited before answering") }
            usleep(200)
        }
        _ = try? request(socket, "stop")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard let answered else { throw BenchmarkError("the node did not answer within 30 s") }
        return Double(answered.components.seconds) + Double(answered.components.attoseconds) * 1e-18
    }

    /// One request on a fresh connection to the control socket.
    private static func request(_ path: String, _ command: String) throws -> Term {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw BenchmarkError("socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw BenchmarkError("not listening") }
        let payload = ExternalTermFormat.encode(.tuple([.atom(command), .list([])]))
        let length = UInt32(payload.count)
        let frame =
            [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + payload
        _ = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { break }
            reply += chunk[..<got]
            if reply.count >= 4 {
                let size = Int(reply[0]) << 24 | Int(reply[1]) << 16 | Int(reply[2]) << 8 | Int(reply[3])
                if reply.count >= 4 + size { break }
            }
        }
        guard reply.count > 4, case .tuple(let parts) = try ExternalTermFormat.decode(Array(reply[4...])),
            parts.count == 2, parts[0] == .atom("ok")
        else { throw BenchmarkError("unexpected reply") }
        return parts[1]
    }

    /// The node's own figure, from its log: main entered to ready, in seconds.
    private static func reportedBoot(_ root: String) -> Double? {
        guard let log = try? String(contentsOfFile: root + "/var/log/bench.log", encoding: .utf8),
            let range = log.range(of: "boot_ms=", options: .backwards)
        else { return nil }
        let digits = log[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(digits).map { $0 / 1000 }
    }

    private static func time(_ command: [String]) throws -> Double {
        let start = ContinuousClock.now
        try shell(command)
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Runs `command` (looked up on `PATH`) to its end with `posix_spawnp` and `waitpid`:
    /// Foundation's `Process.waitUntilExit` notices an exit up to ~50 ms late, which would
    /// swamp the figures measured here.
    private static func shell(_ command: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, command[0], &actions, nil, argv, environ) == 0 else {
            throw BenchmarkError("cannot spawn \(command[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw BenchmarkError("\(command.joined(separator: " ")) exited with status \(status >> 8)")
        }
    }
}
