import ArgumentParser

// Stub: filled in by its issue.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "(not implemented yet)")
}
