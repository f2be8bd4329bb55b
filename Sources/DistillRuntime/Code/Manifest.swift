//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension LoadedApplication {
    /// What `distill-run manifest PLUGIN.so` prints (as one Erlang term followed by `.`):
    ///
    /// ```erlang
    /// {distill_manifest, 1, [
    ///     {application, kv}, {vsn, "0.1.0"}, {description, "..."},
    ///     {mod, {'KVSupervisor', []}},                       % or `undefined`
    ///     {modules, [{'KV', server, 1, [{state, {struct, "KV.KV.State", [{table, "Swift.Int", Shape}]}}]},
    ///                {'KVSupervisor', supervisor, 1, []}, ...]},
    ///     {registered, [kv]}, {applications, [...]}, {env, [{port, 4000}]},
    ///     {runtime, [{abi, 1}, {fingerprint, "BUILD-ID"}]}]}
    /// ```
    ///
    /// `state` is the shape of a server's `State`; `runtime` names the plugin ABI
    /// the plugin was compiled against (checked on load) and the build-id of the
    /// libDistillRuntime.so that read it.
    public var manifest: Term {
        let moduleTerms: [Term] = modules.map { code in
            var properties: [Term] = []
            if let shape = code.implementation.stateShape { properties.append(.tuple([.atom("state"), shape])) }
            return .tuple([.atom(code.name), .atom(code.kind.rawValue), code.vsn, .list(properties)])
        }
        let mod: Term = start.map { .tuple([.atom($0.module), $0.args]) } ?? .atom("undefined")
        return .tuple([
            .atom("distill_manifest"), 1,
            .list([
                .tuple([.atom("application"), .atom(name)]),
                .tuple([.atom("vsn"), .string(version)]),
                .tuple([.atom("description"), .string(description)]),
                .tuple([.atom("mod"), mod]),
                .tuple([.atom("modules"), .list(moduleTerms)]),
                .tuple([.atom("registered"), .list(registered.map { .atom($0) })]),
                .tuple([.atom("applications"), .list(applications.map { .atom($0) })]),
                .tuple([.atom("env"), .list(env.map { .tuple([.atom($0.key), $0.value]) })]),
                .tuple([
                    .atom("runtime"),
                    .list([
                        .tuple([.atom("abi"), .integer(Int(Application.abiVersion))]),
                        .tuple([.atom("fingerprint"), .string(RuntimeImage.fingerprint)]),
                    ]),
                ]),
            ]),
        ])
    }
}
