import ArgumentParser

// Stub: filled in by its issue.
struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "postgres", abstract: "(not implemented yet)")
}
