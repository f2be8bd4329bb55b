//===----------------------------------------------------------------------===//
// This source file is part of the swift-distill open source project
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DistillBuild
import DistillRelease
import DistillTerm
import DistillTestSupport
import Foundation
import Testing

@testable import DistillPlan

/// Random upgrades compiled by swift-distill and by OTP's `systools:make_relup`, which
/// must agree: the same relup and warnings, or errors of the same kind.
///
/// All cases are written first, then one escript runs `make_relup` on each. Set
/// `DISTILL_DIFF_SEED` to replay a run (the test prints its seed), `DISTILL_DIFF_CASES`
/// for the number of cases (default 300) and `DISTILL_DIFF_CASE` to run one case.
///
/// Where OTP's order of module instructions that do not depend on each other differs
/// from ours (it follows the VM's atom table, see ``DependencyOrder``), the case is
/// compiled again with OTP's order as the tie-break, and must then be equal: so the
/// rest of the relup is checked exactly, and OTP's order is shown to be one ours allows.
struct DifferentialTests {
    enum Outcome: Hashable {
        case equal
        case equalWithOTPsOrder
        case sameError(String)
    }

    @Test(.requiresErlang, .timeLimit(.minutes(8)))
    func relupsMatchSystools() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["DISTILL_DIFF_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max / 2)
        let count = environment["DISTILL_DIFF_CASES"].flatMap { Int($0) } ?? 300
        let indices = environment["DISTILL_DIFF_CASE"].flatMap { Int($0) }.map { [$0] } ?? Array(0..<count)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("distill-differential-\(seed)")
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        let clock = ContinuousClock()
        let start = clock.now
        let shared = root.appendingPathComponent("shared")
        try RandomUpgrade.writeShared(to: shared)
        var upgrades: [Int: RandomUpgrade] = [:]
        var jobs: [String] = []
        for index in indices {
            var generator = UpgradeGenerator(seed: Self.caseSeed(seed, index))
            let upgrade = generator.make()
            let directory = root.appendingPathComponent("case-\(index)")
            try upgrade.write(to: directory)
            upgrades[index] = upgrade
            jobs.append(Self.job(upgrade, directory: directory, shared: shared))
        }
        let jobFile = root.appendingPathComponent("jobs.terms")
        try (jobs.map { $0 + ".\n" }.joined()).write(to: jobFile, atomically: true, encoding: .utf8)
        let generated = clock.now
        try Erlang.run(Self.escript, arguments: [jobFile.path], timeout: .seconds(450))
        let ranOTP = clock.now

        var outcomes: [Outcome: Int] = [:]
        var failures: [String] = []
        for index in indices {
            let directory = root.appendingPathComponent("case-\(index)")
            guard let upgrade = upgrades[index] else { continue }
            do {
                outcomes[try Self.compare(upgrade, in: directory, shared: shared), default: 0] += 1
            } catch let failure as Mismatch {
                failures.append("case \(index) (\(directory.path)): \(failure.text)")
            }
        }
        let compared = clock.now
        let errors = outcomes.compactMap { outcome, count -> String? in
            guard case .sameError(let kind) = outcome else { return nil }
            return "\(kind) \(count)"
        }.sorted()
        print(
            """
            differential test, seed \(seed): \(indices.count) cases; relups equal: \(outcomes[.equal] ?? 0), \
            equal with OTP's order of independent modules: \(outcomes[.equalWithOTPsOrder] ?? 0), \
            errors of the same kind: \(errors.joined(separator: ", ")); mismatches: \(failures.count); \
            time: writing \(generated - start), systools \(ranOTP - generated), swift-distill and comparing \
            \(compared - ranOTP)
            """
        )
        if failures.isEmpty {
            try? FileManager.default.removeItem(at: root)
        } else {
            Issue.record(
                """
                \(failures.count) of \(indices.count) cases differ from systools:make_relup \
                (replay with DISTILL_DIFF_SEED=\(seed) DISTILL_DIFF_CASE=N; cases kept in \(root.path)):
                \(failures.prefix(8).joined(separator: "\n"))
                """
            )
        }
    }

    static func caseSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
    }

    struct Mismatch: Error {
        var text: String
    }

    /// `{NewRel, Ups, Downs, Options, Paths, ResultFile}` for the escript.
    static func job(_ upgrade: RandomUpgrade, directory: URL, shared: URL) -> String {
        func rel(_ release: RandomUpgrade.Release, _ description: Term?) -> Term {
            let path = Term.string(directory.appendingPathComponent("rels/\(release.version)").path)
            guard let description else { return path }
            return .tuple([path, description])
        }
        let job = Term.tuple([
            .string(directory.appendingPathComponent("rels/\(upgrade.new.version)").path),
            .list(upgrade.ups.map { rel($0.release, $0.description) }),
            .list(upgrade.downs.map { rel($0.release, $0.description) }),
            .list(upgrade.restartEmulator ? [.atom("restart_emulator")] : []),
            .list([
                .string(directory.appendingPathComponent("lib/*/ebin").path),
                .string(shared.appendingPathComponent("lib/*/ebin").path),
            ]),
            .string(directory.appendingPathComponent("otp.result").path),
        ])
        return TermPrinter.printCompact(job)
    }

    /// Runs `systools:make_relup` on every job; writes `{ok, Relup, Warnings}`,
    /// `{error, Kind, Module, ReasonText}`, or `{crash, Class, Text}` per case.
    static let escript = """
        {ok, Jobs} = file:consult(hd(Args)),
        Text = fun(T) -> lists:flatten(io_lib:format("~0tp", [T])) end,
        Kind = fun K(R) when is_atom(R) -> R;
                   K({apps, [H | _]}) -> K(H);
                   K(R) when is_tuple(R), tuple_size(R) > 0, is_atom(element(1, R)) -> element(1, R);
                   K([H | _]) -> K(H);
                   K(_) -> unknown
               end,
        lists:foreach(
            fun({New, Ups, Downs, Opts, Paths, Out}) ->
                R = try systools:make_relup(New, Ups, Downs, [silent, noexec, {path, Paths} | Opts]) of
                        {ok, Relup, _, Ws} -> {ok, Relup, Ws};
                        {error, Mod, Reason} -> {error, Kind(Reason), Mod, Text(Reason)};
                        Other -> {crash, other, Text(Other)}
                    catch C:E -> {crash, C, Text(E)}
                    end,
                ok = file:write_file(Out, io_lib:format("~tp.~n", [R]))
            end, Jobs)
        """

    /// Compiles `upgrade` with swift-distill and compares with OTP's result.
    static func compare(_ upgrade: RandomUpgrade, in directory: URL, shared: URL) throws -> Outcome {
        let resultPath = directory.appendingPathComponent("otp.result").path
        let otp = try TermParser.parseAll(String(contentsOfFile: resultPath, encoding: .utf8), file: resultPath)[0]
        let parts = otp.tupleElements ?? []
        let ours = Result { () throws -> RelupCompilation in
            try compile(upgrade, in: directory, shared: shared, ranks: nil)
        }
        switch parts.first?.atomValue {
        case "ok":
            let compilation: RelupCompilation
            do {
                compilation = try ours.get()
            } catch {
                throw Mismatch(text: "OTP made a relup, we failed: \(error)")
            }
            guard compilation.warnings.map(\.term) == parts[2].listElements?.map(Optional.some) else {
                throw Mismatch(
                    text: "warnings differ: OTP \(parts[2]), ours \(compilation.warnings.compactMap(\.term))"
                )
            }
            if compilation.relup.term == parts[1] { return .equal }
            let ranks = Self.ranks(parts[1])
            let again = try compile(upgrade, in: directory, shared: shared, ranks: ranks)
            guard again.relup.term == parts[1] else {
                throw Mismatch(text: "relups differ:\n  OTP  \(parts[1])\n  ours \(again.relup.term)")
            }
            return .equalWithOTPsOrder
        case "error":
            let kind = parts[1].atomValue ?? "?"
            switch ours {
            case .success:
                throw Mismatch(text: "OTP failed with \(kind) (\(parts[3].stringValue ?? "")), we made a relup")
            case .failure(let error as PlanError):
                guard error.code.otpName == kind else {
                    throw Mismatch(text: "OTP failed with \(kind) (\(parts[3].stringValue ?? "")), we with \(error)")
                }
                return .sameError(kind)
            case .failure(let error):
                throw Mismatch(text: "OTP failed with \(kind) (\(parts[3].stringValue ?? "")), we with \(error)")
            }
        default:
            throw Mismatch(text: "OTP crashed: \(otp)")
        }
    }

    static func compile(
        _ upgrade: RandomUpgrade,
        in directory: URL,
        shared: URL,
        ranks: [String: [String: Int]]?
    ) throws -> RelupCompilation {
        let loader = RelupFileLoader(libraryDirectories: [
            directory.appendingPathComponent("lib").path, shared.appendingPathComponent("lib").path,
        ])
        let rels = directory.appendingPathComponent("rels").path
        let new = try loader.load(release: "\(rels)/\(upgrade.new.version).rel", withAppups: true)
        func bases(_ list: [(release: RandomUpgrade.Release, description: Term?)]) throws -> [BaseRelease] {
            try list.map {
                BaseRelease(
                    try loader.load(release: "\(rels)/\($0.release.version).rel", withAppups: false),
                    description: $0.description ?? .nil
                )
            }
        }
        var compiler = RelupCompiler(options: .init(restartEmulator: upgrade.restartEmulator))
        if let ranks {
            compiler.ranks = { direction, base in ranks["\(direction == .up ? "up" : "down") \(base)"] }
        }
        return try compiler.compile(new, upFrom: try bases(upgrade.ups), downTo: try bases(upgrade.downs))
    }

    /// For each entry of OTP's relup, a rank per module from where OTP put its `load` or
    /// `remove`: up scripts load in reverse dependency order, down scripts in order.
    static func ranks(_ relup: Term) -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        let parts = relup.tupleElements ?? []
        for (direction, list) in [("up", parts[1]), ("down", parts[2])] {
            for entry in list.listElements ?? [] {
                guard let elements = entry.tupleElements, let base = elements[0].stringValue else { continue }
                var ranks: [String: Int] = [:]
                for (position, instruction) in (elements[2].listElements ?? []).enumerated() {
                    guard let target = instruction.tagged("load") ?? instruction.tagged("remove"),
                        let module = target.first?.tupleElements?.first?.atomValue
                    else { continue }
                    ranks[module] = direction == "up" ? -position : position
                }
                result["\(direction) \(base)"] = ranks
            }
        }
        return result
    }
}
