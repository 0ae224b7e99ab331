import ArgumentParser

// Stub: filled in by its issue.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "(not implemented yet)")
}
