import ArgumentParser
import ConfgateCore

@main
struct Confgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confgate",
        abstract: "Stops bad database connection settings before they merge.",
        discussion: """
            Exit codes: 0 pass, 1 blocked, 2 bad input (file or flag), 3 inconclusive (environment failed).
            """,
        version: ConfgateVersion.current,
        subcommands: [VerifyCommand.self, CanaryCommand.self, TuneCommand.self, ReportCommand.self, DiffCommand.self, LintCommand.self, InitCommand.self, RunCommand.self, PostgresCommand.self, BenchLoginCommand.self, BenchPoolerCommand.self]
    )

    /// Runs the command line with confgate's exit codes (design §2): a `ConfgateError` exits
    /// with its own code after printing `file:line:column: error: …` to stderr, and
    /// swift-argument-parser's usage errors (unknown flag, missing or bad value), which it
    /// would exit with 64, exit 2 — bad input, like any other.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfgateError {
            Terminal.writeError(error.description + "\n")
            exit(withError: ExitCode(error.exitCode))
        } catch {
            if exitCode(for: error) == .validationFailure {
                Terminal.writeError(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
