import ArgumentParser
import ConfgateCore
import Foundation

/// `confgate lint FILE...`: audits settings files against the rules of docs/rules.md.
/// Exit 1 when an unsuppressed error remains (or a warning, with `--strict`), 0 otherwise,
/// 2 for bad input (thrown as `ConfgateError`, mapped by `Confgate`).
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Audit settings files against best-practice rules (docs/rules.md).",
        discussion: """
            Exit status: 0 no unsuppressed error (warnings allowed), 1 an unsuppressed error \
            (or warning with --strict), 2 bad input. Suppress a finding with a comment on the \
            key's line, "# confgate: ignore CG110 -- reason", or in the gate file's \
            "[lint] ignore = CG110, CG111".
            """)

    /// The output formats of `lint`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, github, sarif
    }

    @Argument(help: "Settings files to lint: confgate .conf files (a fleet map reads the files it names), or a service's own files directly: application.yml/.properties, a HikariCP .properties, Kubernetes manifests or Helm values.yaml, postgresql.conf, a Compose file, a .env file.")
    var files: [String]

    @Option(help: "Gate file (default: ./confgate.gate if it exists, else built-in defaults).")
    var gate: String?

    @Option(help: "Output format: text, json, github (workflow annotations) or sarif (SARIF 2.1.0).")
    var format: Format = .text

    @OptionGroup var sources: SourceFlags

    @Flag(help: "Fail on warnings too.")
    var strict = false

    @Option(help: ArgumentHelp(
        "Where docs/rules.md is published, for links in the output (SARIF's helpUri needs an absolute URL).",
        valueName: "url"))
    var docsURL: String = Rules.docsPath

    func run() async throws {
        let gateSettings = try loadGate()
        var findings: [Finding] = []
        for file in files {
            let settings = try sources.load(file)
            findings += try Linter.lint(settings, gate: gateSettings)
        }
        let output = switch format {
        case .text: LintRenderer.text(findings, color: Terminal.outputStyle.color, docsBase: docsURL)
        case .json: LintRenderer.json(findings, docsBase: docsURL)
        case .github: LintRenderer.github(findings, docsBase: docsURL)
        case .sarif: LintRenderer.sarif(findings, docsBase: docsURL)
        }
        Terminal.write(output)
        if findings.contains(where: { $0.blocks(strict: strict) }) {
            throw ExitCode(1)
        }
    }

    private func loadGate() throws(ConfgateError) -> GateSettings {
        if let gate { return try GateFile.load(path: gate) }
        if FileManager.default.fileExists(atPath: "confgate.gate") {
            return try GateFile.load(path: "confgate.gate")
        }
        return GateSettings()
    }
}
