import Foundation
import Testing

/// The HTML report opened in a real browser (issue #13): headless Chromium renders
/// `confgate report`'s page to a screenshot for a person to look at, and its DOM holds the
/// verdict sentence and the charts' drawn paths.
///
/// Needs Debian's `chromium` (`.ci/run` installs it). Outside CI a machine without it skips
/// this suite with a message; in CI (`CI` set) a missing browser fails. `--no-sandbox`
/// because CI runs as root. The screenshot is kept in `CONFGATE_SCREENSHOT_DIR`
/// (default `$TMPDIR/confgate-report-screenshots/`).
@Suite("HTML report in headless Chromium", .serialized,
       .enabled(if: Browser.path != nil || Browser.inCI,
                "chromium is not installed (apt-get install chromium, or run .ci/run); skipped outside CI"))
struct ReportBrowserTests {
    /// `confgate report` of the outage result, written to a fresh directory.
    private func report() async throws -> (directory: URL, html: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let html = directory.appendingPathComponent("report.html")
        let r = try await ConfgateRunner.run(["report", "fixtures/results/verify-outage.json", "-o", html.path])
        #expect(r.status == 0, "\(r.stderr)")
        return (directory, html)
    }

    @Test func screenshotIsWritten() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let (directory, html) = try await report()
        defer { try? FileManager.default.removeItem(at: directory) }
        let shots = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CONFGATE_SCREENSHOT_DIR"]
                        ?? FileManager.default.temporaryDirectory.appendingPathComponent("confgate-report-screenshots").path)
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let png = shots.appendingPathComponent("verify-outage.png")
        try? FileManager.default.removeItem(at: png)
        let r = try await Browser.run(chromium, ["--screenshot=\(png.path)", "--window-size=1280,4000", html.absoluteString], profile: directory)
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: png)
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        #expect(data.count > 50_000, "a 1280×4000 screenshot of the report is only \(data.count) bytes")
        print("report screenshot: \(png.path)")
    }

    @Test func domHoldsTheVerdictSentenceAndChartPaths() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let (directory, html) = try await report()
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try await Browser.run(chromium, ["--dump-dom", html.absoluteString], profile: directory)
        #expect(r.status == 0, "\(r.stderr)")
        let dom = r.stdout
        // The sentence as the page wrote it; the browser serialises text with only &, < and > escaped.
        let page = try String(contentsOf: html, encoding: .utf8)
        let start = try #require(page.range(of: "id=\"verdict-sentence\"><strong>"))
        let end = try #require(page.range(of: "</strong>", range: start.upperBound..<page.endIndex))
        let sentence = String(page[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        #expect(sentence.contains("steady demand 120 &gt; usable 97"))
        #expect(dom.contains(sentence))
        #expect(dom.contains("BLOCKED"))
        for chart in ["chart-connections", "chart-logins-current", "chart-logins-proposed", "chart-latency", "chart-latency-judgement"] {
            let svg = try #require(dom.components(separatedBy: "<svg id=\"\(chart)\"").dropFirst().first, "\(chart) missing")
            let body = svg.components(separatedBy: "</svg>").first ?? ""
            #expect(body.contains("<path d=\"M"), "\(chart) has no drawn path")
        }
        #expect(dom.contains("<svg id=\"chart-budget\""))
        #expect(!dom.contains("<script"))
    }
}

/// Finding and running headless Chromium.
enum Browser {
    /// `chromium` on `PATH` (Debian's package); `CHROMIUM`, when set, names the browser
    /// instead (and a path that is not an executable means none).
    static let path: String? = {
        if let explicit = ProcessInfo.processInfo.environment["CHROMIUM"] {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/chromium"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Whether the tests run in CI, where a missing browser is a failure, not a skip.
    static let inCI: Bool = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// Runs headless Chromium with a profile under `profile` (never the user's).
    static func run(_ chromium: String, _ arguments: [String], profile: URL) async throws -> ConfgateRunner.Result {
        try await ConfgateRunner.run(
            ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.appendingPathComponent("chromium-profile").path)"] + arguments,
            executable: chromium)
    }
}
