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

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown, junit }

    @Option(name: .long, help: ArgumentHelp("The settings the change proposes.", valueName: "file"))
    var proposed: String

    @Option(name: .long, help: ArgumentHelp("The settings in force now (default: the proposed file and its sources at the git merge base with the upstream branch, or HEAD when only the working tree changed).", valueName: "file"))
    var current: String?

    @Option(name: .long, help: ArgumentHelp("Take the current settings from this git revision: the proposed file and every source file it names (e.g. origin/main).", valueName: "git-ref"))
    var against: String?

    @Option(name: .long, help: ArgumentHelp("Gate file (default: ./confgate.gate when present).", valueName: "file"))
    var gate: String?

    @Option(name: .long, help: "Output format: text, json, markdown or junit.")
    var format: Format = .text

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Also write result.json, summary.txt, summary.md and junit.xml here.", valueName: "dir"))
    var reportDir: String?

    @Flag(name: .long, help: "One short trial per side: 1s warmup, 5s measured, a 2s spike, unless --warmup, --duration or --spike say otherwise (a fast look, labelled as such).")
    var quick = false

    @Flag(name: .customLong("lint-only"), help: "Diff and lint only; run no load.")
    var lintOnly = false

    @Flag(name: .customLong("all-rounds"), help: "Run every round even when a round already proves exhaustion (by default verify stops after a round in which the proposed side's server refused connections while the current side ran cleanly).")
    var allRounds = false

    @Option(help: ArgumentHelp("Trials per side.", valueName: "n")) var trials: String?
    @OptionGroup var sources: SourceFlags
    @OptionGroup var load: LoadFlags
    @OptionGroup var server: TrialServerOptions

    func validate() throws {
        if current != nil && against != nil { throw ValidationError("give --current or --against, not both") }
    }

    func run() async throws {
        let proposedSettings = try sources.load(proposed)
        let currentSettings = try loadCurrent()
        var gateSettings = try GateFile.resolve(path: gate)
        var overrides = LoadOverrides()
        overrides.set("trials", trials)
        gateSettings = try load.apply(to: overrides.apply(to: gateSettings))
        if quick {
            // Short phases, except where a flag says otherwise: flags override (design §4).
            gateSettings.load.trials = 1
            if load.warmup == nil { gateSettings.load.warmup = .seconds(1) }
            if load.duration == nil { gateSettings.load.duration = .seconds(5) }
            if load.spike == nil, let spike = gateSettings.load.spike {
                gateSettings.load.spike = .init(multiplier: spike.multiplier, duration: .seconds(2))
            }
        }
        let sides = try Linter.lintSides(current: currentSettings, proposed: proposedSettings, gate: gateSettings)
        let diff = SettingsDiff(current: currentSettings, proposed: proposedSettings)
        var result = VerifyResult(
            quick: quick, lintOnly: lintOnly, load: gateSettings.load, gate: gateSettings.gate,
            current: .init(file: currentSettings.file ?? "current", settings: currentSettings, findings: sides.current),
            proposed: .init(file: proposedSettings.file ?? proposed, settings: proposedSettings, findings: sides.proposed),
            diff: diff, verdict: Verdict(decision: .pass, reasons: [], warnings: [], latency: []))

        if !lintOnly {
            let runner = VerifyRunner(runner: TrialRunner(source: server.source(users: gateSettings.load.users), logger: Logger(label: "confgate")))
            let total = gateSettings.load.warmup.seconds + gateSettings.load.duration.seconds
            let progress = Progress(label: "verify", totalSeconds: total, usable: 0)
            let load = gateSettings.load
            let gate = allRounds ? nil : gateSettings.gate
            let outcome = try await Interruption.cancellable {
                await runner.run(current: currentSettings, proposed: proposedSettings, load: load, stopEarly: gate,
                                 progress: { side, round, point, elapsed in progress.update(point, elapsed, label: "round \(round) \(side.rawValue)") },
                                 log: { progress.finish(); Terminal.writeError("confgate: \($0)\n") })
            }
            progress.finish()
            result.current.trials = outcome.current
            result.proposed.trials = outcome.proposed
            result.stoppedEarly = outcome.stoppedEarly
            if Interruption.wasSignalled {
                Terminal.writeError("confgate: interrupted; the verdict below covers what ran and cannot pass\n")
            }
        }
        result.verdict = VerifyJudgement.judge(result)
        if Interruption.wasSignalled && result.verdict.decision != .blocked {
            result.verdict.decision = .inconclusive
            result.verdict.reasons.insert(.init(.environment, "interrupted before every trial ran"), at: 0)
        }
        try emit(result)
        if result.verdict.exitCode != 0 { throw ExitCode(result.verdict.exitCode) }
    }

    private func loadCurrent() throws -> Settings {
        if let current { return try sources.load(current) }
        var ref = against ?? ""
        if against == nil {
            let base = try GitRevision.defaultBase()
            ref = base.ref
            Terminal.writeError("confgate: comparing with \(base.why)\n")
        }
        var settings = try sources.load(proposed, files: GitRevision.files(at: ref))
        let shortRef = ref.count == 40 && ref.allSatisfy(\.isHexDigit) ? String(ref.prefix(12)) : ref
        settings.file = "\(shortRef):\(proposed)"
        return settings
    }

    private func emit(_ result: VerifyResult) throws {
        let text = VerifyTextRenderer(style: Terminal.outputStyle).render(result)
        switch format {
        case .text: Terminal.write(text)
        case .json: Terminal.write(String(decoding: try JSONOutput.encode(result), as: UTF8.self) + "\n")
        case .markdown: Terminal.write(VerifyTextRenderer(markdown: true).render(result))
        case .junit: Terminal.write(VerifyJUnitRenderer.render(result))
        }
        if let reportDir {
            do {
                try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
                try JSONOutput.encode(result).write(to: URL(fileURLWithPath: reportDir + "/result.json"))
                try VerifyTextRenderer().render(result).write(toFile: reportDir + "/summary.txt", atomically: true, encoding: .utf8)
                try VerifyTextRenderer(markdown: true).render(result).write(toFile: reportDir + "/summary.md", atomically: true, encoding: .utf8)
                try VerifyJUnitRenderer.render(result).write(toFile: reportDir + "/junit.xml", atomically: true, encoding: .utf8)
                try VerifyHTMLRenderer().render(result).write(toFile: reportDir + "/report.html", atomically: true, encoding: .utf8)
            } catch {
                throw ConfgateError(.badInput, "cannot write the report to \(reportDir): \(error.localizedDescription)")
            }
        }
    }
}
