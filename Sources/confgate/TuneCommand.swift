import ArgumentParser
import ConfgateCore
import ConfgatePostgres
import Foundation
import Logging

extension TuneDimension: ExpressibleByArgument {}
extension TuneFormat: ExpressibleByArgument {}

/// `confgate tune`: the values of one key that would pass, with evidence.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Find the safe range of one setting (pool.max_size by default), with evidence, and recommend a value.",
        discussion: """
            The upper edge is arithmetic and costs nothing: the largest value whose steady and deploy \
            demand fit the server's usable connections (as lint's CG101/CG102 compute it), and, marked \
            beside it, the largest that keeps the gate's max_utilization headroom (CG103). Little's law \
            (peak logins/s × db_time = connections busy) gives a floor below which no value can keep up.

            The lower edge is measured: a bisection between the floor and the upper edge, each step \
            running the candidate against the upper edge on scratch PostgreSQL servers with the verify \
            machinery (the gate's rate, spike and deploy; failures and p50/p99 judged within the gate's \
            latency_tolerance at its confidence). Steps screen with verify --quick's short round first \
            (failures and gross regressions show at once), and the smallest value that passed is \
            confirmed with the gate's full rounds. About 1 to 3 minutes at the default gate.

            The answer: the range and its evidence, the recommended value and why, where today's value \
            sits, and a table of each step. --write FILE writes the input with the recommended value \
            (comments kept), which verify then passes.

            Examples:
              confgate tune --settings fixtures/current.conf
              confgate tune --settings fixtures/current.conf --write proposed.conf
              confgate verify --current fixtures/current.conf --proposed proposed.conf
              confgate tune --settings confgate.conf --vary fleet.instances
              confgate tune --settings fixtures/current.conf --arithmetic-only

            Exit codes: 0 a safe range exists, 1 none does (the message says which limit makes it \
            impossible), 2 bad input, 3 the trials could not run (retry).
            """
    )

    @Option(name: .long, help: ArgumentHelp("The settings to tune: a .conf, a fleet map, or a service file.", valueName: "file"))
    var settings: String

    @Option(name: .long, help: ArgumentHelp("Gate file (default: ./confgate.gate when present): the load to tune for and the tolerance.", valueName: "file"))
    var gate: String?

    @Option(name: .long, help: "The key to vary: pool.max_size, fleet.instances (upper edge by arithmetic, lower by trials), or server.max_connections (lower edges by arithmetic, confirmed by one quick step).")
    var vary: TuneDimension = .poolMaxSize

    @Option(name: .long, help: "Output format: text, json, markdown or html (one self-contained page with a chart of each step's p99 and failures against the varied value).")
    var format: TuneFormat = .text

    @Option(name: .long, help: ArgumentHelp("Write the input settings with the recommended value to this file (other lines and comments kept).", valueName: "file"))
    var write: String?

    @Option(help: ArgumentHelp("Rounds of a full step (default: the gate's trials).", valueName: "n")) var trials: String?

    @Flag(name: .customLong("no-screen"), help: "Run every step with the gate's full rounds (no quick screening; slower).")
    var noScreen = false

    @Flag(name: .customLong("arithmetic-only"), help: "Print the arithmetic edges (hard, utilization, Little's law) and stop: no trials, no server.")
    var arithmeticOnly = false

    @OptionGroup var sources: SourceFlags
    @OptionGroup var load: LoadFlags
    @OptionGroup var server: TrialServerOptions

    func run() async throws {
        let input = try sources.load(settings)
        var overrides = LoadOverrides()
        overrides.set("trials", trials)
        let gateSettings = try load.apply(to: overrides.apply(to: GateFile.resolve(path: gate)))
        var tuneInput = TuneInput(settings: input, gate: gateSettings, dimension: vary,
                                  quickScreen: !noScreen, setByFlags: load.keysSet)
        tuneInput.arithmeticOnly = arithmeticOnly
        let finalInput = tuneInput
        let executor = try server.runner(users: gateSettings.load.users, logger: Logger(label: "confgate"))
        let total = gateSettings.load.warmup.seconds + gateSettings.load.duration.seconds
        let progress = Progress(label: "tune", totalSeconds: total, usable: 0)
        let events = VerifyPipeline.Events(
            progress: { side, round, point, elapsed in
                progress.update(point, elapsed, label: "round \(round) \(side == .current ? "reference" : "candidate")")
            },
            log: { progress.finish(); Terminal.writeError("confgate: \($0)\n") })
        let result = try await Interruption.cancellable {
            try await TunePipeline.run(finalInput, executor: executor, events: events)
        }
        progress.finish()
        Terminal.write(format.render(result))
        if let write {
            if let value = result.recommended {
                try writeSettings(value, to: write, settings: input)
                Terminal.writeError("confgate: wrote \(write) with \(vary.key) = \(value)\n")
            } else {
                Terminal.writeError("confgate: \(write) not written: no value to recommend\n")
            }
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    private func writeSettings(_ value: Int, to path: String, settings input: Settings) throws {
        do {
            let text = try String(contentsOfFile: settings, encoding: .utf8)
            var out = SettingsRewrite.replacing(vary.key, with: String(value), in: text, settings: input, path: settings)
            if vary == .poolMaxSize, let minIdle = input.pool.minIdle, minIdle > value {
                out = SettingsRewrite.replacing("pool.min_idle", with: String(value), in: out, settings: input, path: settings)
            }
            try out.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ConfgateError(.badInput, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
