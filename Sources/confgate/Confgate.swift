import ArgumentParser

@main
struct Confgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confgate",
        abstract: "Stops bad database connection settings before they merge.",
        subcommands: [DiffCommand.self, LintCommand.self, PostgresCommand.self]
    )
}
