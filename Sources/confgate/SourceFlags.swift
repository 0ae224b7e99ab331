import ArgumentParser
import ConfgateCore

/// The flags every command that reads settings shares: how to read a service's own files.
struct SourceFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Spring profile to activate, e.g. prod (repeat or comma-separate; default: SPRING_PROFILES_ACTIVE or spring.profiles.active as the files say).",
        valueName: "name"))
    var profile: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "An environment variable for Spring placeholders and overrides, as the fleet's containers would have it; wins over a manifest's env. Repeatable.",
        valueName: "KEY=VALUE"))
    var env: [String] = []

    @Option(name: .customLong("format-in"), help: ArgumentHelp(
        "The format of a file named directly, when its name and content do not tell (docs/sources.md).",
        valueName: "format"))
    var formatIn: SourceFormat?

    func validate() throws {
        for entry in env where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--env expects KEY=VALUE, got `\(entry)`")
        }
    }

    /// The options for reading through `files` (the working tree unless a revision is given).
    func options(files: FileAccess = .local) -> SourceOptions {
        var environment: [String: String] = [:]
        for entry in env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let profiles = profile.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        return SourceOptions(files: files, profiles: profiles, environment: environment, format: formatIn)
    }

    /// Reads the settings at `path` in the working tree, printing what the readers noticed to
    /// standard error.
    func load(_ path: String) throws(ConfgateError) -> Settings {
        let settings = try SettingsFile.load(path: path, sources: options())
        for note in settings.notes { Terminal.writeError("\(note)\n") }
        return settings
    }

    /// Reads the settings at `path` and every file they name as they were at the git revision
    /// `ref`, printing what the readers noticed to standard error.
    func load(_ path: String, at ref: String) async throws(ConfgateError) -> Settings {
        let settings = try await GitRevision.read(path, at: ref) { files throws(ConfgateError) in
            try SettingsFile.load(path: path, sources: options(files: files))
        }
        for note in settings.notes { Terminal.writeError("\(note)\n") }
        return settings
    }
}
