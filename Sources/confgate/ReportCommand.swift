import ArgumentParser
import ConfgateCore
import Foundation

/// `confgate report`: draws a saved `verify` result again, without a server.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a saved verify or run result (result.json) as HTML, Markdown, text or JUnit.",
        discussion: """
            Reads the JSON that `verify --format json`, `verify --report-dir`, `run --output` or \
            `run --report-dir` wrote and renders it again; no server is started (a run result has no \
            verdict, so no JUnit). The HTML is one self-contained file: no network request, no \
            JavaScript, charts as inline SVG (docs/report.md). Exits 0 once written, whatever the \
            verdict (verify's own exit code decided the merge); 2 when the file is not a confgate \
            verify or run result of this schema version.
            """
    )


    @Argument(help: ArgumentHelp("A saved verify or run result (result.json).", valueName: "result.json"))
    var result: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of stdout.", valueName: "file"))
    var output: String?

    @Option(name: .long, help: "Output format: html, markdown, text, junit or json.")
    var format: VerifyFormat = .html

    func run() throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: result))
        } catch {
            throw ConfgateError(.badInput, "cannot read \(result): \(error.localizedDescription)")
        }
        let text: String
        switch try ReportInput.read(data, name: result) {
        case .verify(let verify): text = format.render(verify, style: output == nil ? Terminal.outputStyle : .plain)
        case .run(let run): text = try RunFormat.render(run, as: format)
        }
        guard let output else { return Terminal.write(text) }
        do {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw ConfgateError(.badInput, "cannot write \(output): \(error.localizedDescription)")
        }
    }
}
