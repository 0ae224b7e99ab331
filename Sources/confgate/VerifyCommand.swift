import ArgumentParser
import ConfgateCore
import ConfgatePostgres
import Foundation
import Logging

/// `confgate verify`: the pre-merge gate.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Gate a settings change: diff, lint, run both sides under load, and decide.",
        discussion: """
            Runs the current and the proposed settings in interleaved trials, each on a fresh scratch \
            PostgreSQL with identical synthetic logins, and blocks the change when it exhausts \
            connections, regresses login latency beyond the gate's tolerance, or breaks an error-level \
            rule. The first line of the report states the verdict and its main reason. How the verdict \
            is reached: docs/verdict.md. Exit codes: 0 pass (warnings allowed), 1 blocked, 2 bad input, \
            3 inconclusive (the environment failed; retry, never read as a pass).
            """
    )


    @Option(name: .long, help: ArgumentHelp("The settings the change proposes.", valueName: "file"))
    var proposed: String

    @Option(name: .long, help: ArgumentHelp("The settings in force now (default: the proposed file and its sources at the git merge base with the upstream branch, or HEAD when only the working tree changed).", valueName: "file"))
    var current: String?

    @Option(name: .long, help: ArgumentHelp("Take the current settings from this git revision: the proposed file and every source file it names (e.g. origin/main).", valueName: "git-ref"))
    var against: String?

    @Option(name: .long, help: ArgumentHelp("Gate file (default: ./confgate.gate when present).", valueName: "file"))
    var gate: String?

    @Option(name: .long, help: "Output format: text, json, markdown, junit or html.")
    var format: VerifyFormat = .text

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Also write result.json, summary.txt, summary.md, junit.xml and report.html here.", valueName: "dir"))
    var reportDir: String?

    @Flag(name: .long, help: "One short trial per side: 1s warmup, 5s measured, a 2s spike, unless --warmup, --duration or --spike say otherwise (a fast look, labelled as such).")
    var quick = false

    @Flag(name: .customLong("lint-only"), help: "Diff and lint only; run no load.")
    var lintOnly = false

    @Flag(name: .customLong("all-rounds"), help: "Run every round even when a round already proves exhaustion (by default verify stops after a round in which the proposed side's server refused connections while the current side ran cleanly).")
    var allRounds = false

    @Option(help: ArgumentHelp("Trials per side.", valueName: "n")) var trials: String?

    /// Calibration only (scripts/calibrate.sh's ladder, docs/verdict.md): a known latency
    /// regression, as extra server time per login on the proposed side alone.
    @Option(name: .customLong("calibration-proposed-db-time"), help: .hidden) var calibrationDBTime: String?
    /// Calibration only: the same, as time each proposed login holds its connection, slept in
    /// the service to the microsecond (finer steps than `pg_sleep`'s whole milliseconds).
    @Option(name: .customLong("calibration-proposed-hold"), help: .hidden) var calibrationHold: String?
    @OptionGroup var sources: SourceFlags
    @OptionGroup var load: LoadFlags
    @OptionGroup var server: TrialServerOptions

    func validate() throws {
        if current != nil && against != nil { throw ValidationError("give --current or --against, not both") }
    }

    func run() async throws {
        let proposedSettings = try sources.load(proposed)
        let currentSettings = try await loadCurrent()
        var overrides = LoadOverrides()
        overrides.set("trials", trials)
        let gateSettings = try load.apply(to: overrides.apply(to: GateFile.resolve(path: gate)))
        var input = VerifyInput(
            current: currentSettings, proposed: proposedSettings, gate: gateSettings,
            mode: lintOnly ? .lintOnly : quick ? .quick : .full, allRounds: allRounds, setByFlags: load.keysSet)
        // Read by the gate's own db_time reader (its units and limits), then moved aside.
        func calibrationDuration(_ text: String, flag: String) throws -> SettingDuration {
            var extra = LoadOverrides()
            extra.set("db_time", text)
            guard let duration = try? extra.apply(to: GateSettings()).load.dbTime else {
                throw ConfgateError(.badInput, "\(flag) expects a duration such as `500us`, `0.5ms` or `2ms`, got `\(text)`")
            }
            return duration
        }
        if let calibrationDBTime { input.proposedExtraDBTime = try calibrationDuration(calibrationDBTime, flag: "--calibration-proposed-db-time") }
        if let calibrationHold { input.proposedHold = try calibrationDuration(calibrationHold, flag: "--calibration-proposed-hold") }
        let verifyInput = input

        let executor = lintOnly ? nil : try server.runner(users: input.gate.load.users, logger: Logger(label: "confgate"))
        let total = input.gate.load.warmup.seconds + input.gate.load.duration.seconds
        let progress = Progress(label: "verify", totalSeconds: total, usable: 0)
        let events = VerifyPipeline.Events(
            progress: { side, round, point, elapsed in progress.update(point, elapsed, label: "round \(round) \(side.rawValue)") },
            log: { progress.finish(); Terminal.writeError("confgate: \($0)\n") })
        let started = Provenance.here()
        var result = try await Interruption.cancellable {
            try await VerifyPipeline.run(verifyInput, executor: executor, events: events, interrupted: { Interruption.wasSignalled })
        }
        result.provenance = started
        progress.finish()
        if Interruption.wasSignalled {
            Terminal.writeError("confgate: interrupted; the verdict below covers what ran and cannot pass\n")
        }
        try emit(result)
        if result.verdict.exitCode != 0 { throw ExitCode(result.verdict.exitCode) }
    }

    private func loadCurrent() async throws -> Settings {
        if let current { return try sources.load(current) }
        var ref = against ?? ""
        if against == nil {
            let base = try await GitRevision.defaultBase()
            ref = base.ref
            Terminal.writeError("confgate: comparing with \(base.why)\n")
        }
        var settings = try await sources.load(proposed, at: ref)
        let shortRef = ref.count == 40 && ref.allSatisfy(\.isHexDigit) ? String(ref.prefix(12)) : ref
        settings.file = "\(shortRef):\(proposed)"
        return settings
    }

    private func emit(_ result: VerifyResult) throws {
        Terminal.write(format.render(result, style: Terminal.outputStyle))
        guard let reportDir else { return }
        do {
            try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
            for (file, format) in VerifyFormat.reportBundle {
                try format.render(result).write(toFile: reportDir + "/" + file, atomically: true, encoding: .utf8)
            }
        } catch {
            throw ConfgateError(.badInput, "cannot write the report to \(reportDir): \(error.localizedDescription)")
        }
    }
}
