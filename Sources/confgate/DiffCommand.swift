import ArgumentParser
import ConfgateCore

/// `confgate diff`: what a settings change means for the fleet's connections.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a settings change means for the fleet's connections.",
        discussion: """
            Compares two settings files by meaning (30s equals 30000ms; a default equals the same value \
            written out), then shows usable connections, steady and deploy demand, and headroom on both \
            sides. Exits 0 when both files are valid, whatever the diff shows; 2 for an invalid file or flag.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The settings in force now.", valueName: "file"))
    var current: String?

    @Option(name: .long, help: ArgumentHelp("Take the current settings from this git revision: the proposed file and every source file it names (e.g. origin/main).", valueName: "git-ref"))
    var against: String?

    @Option(name: .long, help: ArgumentHelp("The settings the change proposes.", valueName: "file"))
    var proposed: String

    @Option(name: .long, help: ArgumentHelp(
        "A gate file to validate (default: ./confgate.gate when present). The diff does not use it.",
        valueName: "file"))
    var gate: String?

    @OptionGroup var sources: SourceFlags

    @Option(name: .long, help: "Output format: aligned text, versioned JSON, or Markdown for a pull request.")
    var format: DiffFormat = .text

    func validate() throws {
        if (current == nil) == (against == nil) { throw ValidationError("give the current settings with --current FILE or --against GIT_REF (one of them)") }
    }

    func run() async throws {
        let currentSettings: Settings
        if let current {
            currentSettings = try sources.load(current)
        } else {
            let ref = against ?? "HEAD"
            var settings = try await sources.load(proposed, at: ref)
            settings.file = "\(ref):\(proposed)"
            currentSettings = settings
        }
        let proposedSettings = try sources.load(proposed)
        let gateSettings = try GateFile.resolve(path: gate)
        let diff = SettingsDiff(current: currentSettings, proposed: proposedSettings)
        let findings = try DiffFindings.lint(current: currentSettings, proposed: proposedSettings, gate: gateSettings)
        Terminal.write(format.render(diff, findings: findings, style: Terminal.outputStyle))
    }
}
