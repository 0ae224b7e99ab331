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

extension ReportBrowserTests {
    /// The policy the issue names, as a `<meta>` the test adds to a copy of the page: under
    /// it every request of any kind (image, font, stylesheet, script, fetch) is refused and
    /// logged on the console, so a page that makes none logs only the one thing the policy
    /// blocks on purpose, the inline layout stylesheet.
    static let strictPolicy = "default-src 'none'; style-src 'self'; img-src 'self'"

    /// The page at `html` with `insert` right after `<head>`, written beside it as `name`.
    private func variant(of html: URL, _ name: String, inserting insert: String) throws -> URL {
        let page = try String(contentsOf: html, encoding: .utf8)
        let copy = html.deletingLastPathComponent().appendingPathComponent(name)
        try page.replacingOccurrences(of: "<head>\n", with: "<head>\n\(insert)\n").write(to: copy, atomically: true, encoding: .utf8)
        return copy
    }

    /// The console messages Chromium logged (`…:INFO:CONSOLE:…] "message", source: …`).
    private func consoleMessages(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
    }

    @Test func underAStrictPolicyThePageRequestsNothingAndStillReads() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let (directory, html) = try await report()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Self.strictPolicy)\">"
        let strict = try variant(of: html, "strict.html", inserting: policy)
        // JavaScript off needs no run of its own: the page has no script (the safety tests and
        // the DOM check below hold that), and Chromium's --dump-dom serialises through script.
        let logged = ["--enable-logging=stderr", "--v=0", "--dump-dom"]
        let r = try await Browser.run(chromium, logged + [strict.absoluteString], profile: directory)
        #expect(r.status == 0, "\(r.stderr)")
        let messages = consoleMessages(r.stderr)
        // The layout stylesheet is refused (inline), and nothing else is: no request was tried.
        #expect(messages.contains { $0.contains("Applying inline style violates") }, "the policy did not apply: \(messages)")
        #expect(messages.allSatisfy { $0.contains("Applying inline style violates") }, "\(messages)")
        // Without its stylesheet, the verdict and the charts are all there; and no script.
        #expect(r.stdout.contains("id=\"verdict-sentence\""))
        #expect(!r.stdout.contains("<script"))
        #expect(r.stdout.contains("steady demand 120 &gt; usable 97"))
        for chart in ["chart-connections", "chart-logins-proposed", "chart-latency", "chart-latency-judgement", "chart-budget"] {
            #expect(r.stdout.contains("<svg id=\"\(chart)\""), "\(chart) missing")
        }
        // The detector itself: the same policy on a page that does load an image logs it.
        let control = try variant(of: html, "control.html", inserting: policy + "\n<img src=\"http://example.invalid/x.png\" alt=\"\">")
        let c = try await Browser.run(chromium, logged + [control.absoluteString], profile: directory)
        #expect(consoleMessages(c.stderr).contains { $0.contains("example.invalid") }, "a request under the policy went unseen: \(c.stderr)")
    }

    @Test func anOrdinaryLoadLogsNothingOnTheConsole() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let (directory, html) = try await report()
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try await Browser.run(chromium, ["--enable-logging=stderr", "--v=0", "--dump-dom", html.absoluteString], profile: directory)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("id=\"verdict-sentence\""))
        #expect(consoleMessages(r.stderr).isEmpty, "\(consoleMessages(r.stderr))")
    }

    /// Light and dark colour schemes: with the system in dark mode the page turns dark and the
    /// charts' black text and axes turn light (its stylesheet overrides their presentation
    /// attributes). Read through a measuring script the test adds to a copy; the page has none.
    @Test func inDarkModeThePageAndItsChartsTurnDark() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let (directory, html) = try await report()
        defer { try? FileManager.default.removeItem(at: directory) }
        let measure = """
            <script>document.addEventListener("DOMContentLoaded", () => { const b = document.body, \
            t = document.querySelector('svg[fill="#000000"] text:not([fill])'), a = document.querySelector('svg [stroke="#000000"]'); \
            b.setAttribute("data-bg", getComputedStyle(b).backgroundColor); b.setAttribute("data-color", getComputedStyle(b).color); \
            b.setAttribute("data-text", getComputedStyle(t).fill); b.setAttribute("data-axis", getComputedStyle(a).stroke); });</script>
            """
        let measured = try variant(of: html, "measured.html", inserting: measure)
        func look(_ flags: [String]) async throws -> String {
            let r = try await Browser.run(chromium, flags + ["--dump-dom", measured.absoluteString], profile: directory)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.components(separatedBy: "<body").dropFirst().first?.components(separatedBy: ">").first ?? ""
        }
        let light = try await look([])
        #expect(light.contains("data-bg=\"rgba(0, 0, 0, 0)\"") && light.contains("data-text=\"rgb(0, 0, 0)\""), "\(light)")
        let dark = try await look(["--force-dark-mode"])
        #expect(dark.contains("data-bg=\"rgb(18, 18, 18)\""), "\(dark)")
        #expect(dark.contains("data-color=\"rgb(232, 232, 232)\""), "\(dark)")
        #expect(dark.contains("data-text=\"rgb(232, 232, 232)\"") && dark.contains("data-axis=\"rgb(232, 232, 232)\""), "\(dark)")
    }
}

/// The charts that show every round, connections by application and the logins difference
/// (issue #13, item 3), as the browser holds them: each draws its data, and the numbers it
/// shows are its data table's.
extension ReportBrowserTests {
    /// The element `<svg id="id" …>…</svg>` in `dom`.
    static func svg(_ dom: String, _ id: String) throws -> String {
        try #require(dom.components(separatedBy: "<svg id=\"\(id)\"").dropFirst().first?.components(separatedBy: "</svg>").first, "\(id) missing")
    }

    /// The `d` of each data line (a path with a `<title>`; grid and limit lines have none).
    static func dataPaths(_ svg: String) -> [String] {
        svg.components(separatedBy: "<path d=\"").dropFirst().filter { $0.contains("stroke-linejoin=\"round\"><title>") }
            .compactMap { $0.components(separatedBy: "\"").first }
    }

    /// The table under `<summary>summary</summary>` as its header and rows of cell texts.
    static func table(_ dom: String, _ summary: String) throws -> (header: [String], rows: [[String]]) {
        let body = try #require(dom.components(separatedBy: "<summary>\(summary)</summary>").dropFirst().first?.components(separatedBy: "</details>").first, "\(summary) missing")
        let cells = try NSRegularExpression(pattern: "<t[hd][^>]*>([^<]*)</t[hd]>")
        let rows = body.components(separatedBy: "<tr>").dropFirst().map { row in
            cells.matches(in: row, range: NSRange(row.startIndex..., in: row)).map { String(row[Range($0.range(at: 1), in: row)!]) }
        }
        return (rows.first ?? [], Array(rows.dropFirst()))
    }

    /// A column's numbers (`+3`, `−2`, `17`; an empty cell is none).
    static func column(_ t: (header: [String], rows: [[String]]), _ name: String) throws -> [Int] {
        let i = try #require(t.header.firstIndex(of: name), "no column \(name) in \(t.header)")
        return t.rows.compactMap { $0.count > i ? Int($0[i].replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "+", with: "")) : nil }
    }

    /// `name, peak 17` legend entries of a chart: (name, peak).
    static func legendPeaks(_ svg: String) throws -> [(String, Int)] {
        let peak = try NSRegularExpression(pattern: ">([^<>]+), peak ([0-9]+)(?: at [^<]*)?</text>")
        return peak.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map {
            (String(svg[Range($0.range(at: 1), in: svg)!]), Int(svg[Range($0.range(at: 2), in: svg)!])!)
        }
    }

    @Test func applicationAndDifferenceChartsDrawTheirDataTablesNumbers() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let (directory, html) = try await report()
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try await Browser.run(chromium, ["--dump-dom", html.absoluteString], profile: directory)
        #expect(r.status == 0, "\(r.stderr)")
        let dom = r.stdout
        for side in ["current", "proposed"] {
            let chart = try Self.svg(dom, "chart-applications-\(side)")
            let paths = Self.dataPaths(chart)
            #expect(!paths.isEmpty && paths.allSatisfy { $0.split(separator: " ").count >= 2 }, "\(side): \(paths)")
            let peaks = try Self.legendPeaks(chart)
            #expect(peaks.count == paths.count, "one legend entry with its peak per band")
            let table = try Self.table(dom, "Data: \(side) connections by application per 100 ms")
            for (application, peak) in peaks {
                #expect(try Self.column(table, application).max() == peak, "\(side) \(application)")
            }
        }
        // The difference: its lines drawn, its table's sums the sentence's, and both the
        // recorded timelines' (read from the result JSON here, not through confgate).
        let difference = try Self.svg(dom, "chart-logins-difference")
        #expect(Self.dataPaths(difference).count == 2)
        #expect(difference.contains(">proposed: first failure "))
        let table = try Self.table(dom, "Data: proposed − current per 100 ms")
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/results/verify-outage.json"))) as? [String: Any])
        func total(_ side: String, _ counts: ([String: Int]) -> Int) throws -> Int {
            let trials = try #require((json[side] as? [String: Any])?["trials"] as? [[String: Any]])
            let timeline = try #require((trials.first?["result"] as? [String: Any])?["timeline"] as? [[String: Any]])
            return timeline.reduce(0) { $0 + counts(($1["outcomes"] as? [String: Int]) ?? [:]) }
        }
        let ok: ([String: Int]) -> Int = { $0["ok"] ?? 0 }
        let failed: ([String: Int]) -> Int = { $0.filter { $0.key != "ok" && $0.key != "bad_password" }.values.reduce(0, +) }
        let okDifference = try total("proposed", ok) - total("current", ok), failedDifference = try total("proposed", failed) - total("current", failed)
        #expect(failedDifference > 0)
        #expect(try Self.column(table, "ok difference").reduce(0, +) == okDifference)
        #expect(try Self.column(table, "failed difference").reduce(0, +) == failedDifference)
        #expect(dom.contains("(+\(failedDifference)).</p>"))
    }

    @Test func everyRoundIsDrawnWithItsData() async throws {
        let chromium = try #require(Browser.path, "chromium is missing in CI: .ci/run installs it")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The passing quick result with its round repeated as rounds 2 and 3, round 3's
        // proposed side with one 100 ms at 95 connections.
        var json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/results/verify-pass.json"))) as? [String: Any])
        for side in ["current", "proposed"] {
            var result = try #require(json[side] as? [String: Any])
            let first = try #require((result["trials"] as? [[String: Any]])?.first)
            result["trials"] = try (1...3).map { n -> [String: Any] in
                var trial = first
                trial["round"] = n
                if n == 3 && side == "proposed" {
                    var run = try #require(trial["result"] as? [String: Any])
                    var timeline = try #require(run["timeline"] as? [[String: Any]])
                    timeline[40]["serverConnections"] = 95
                    run["timeline"] = timeline
                    trial["result"] = run
                }
                return trial
            }
            json[side] = result
        }
        let input = directory.appendingPathComponent("three-rounds.json"), html = directory.appendingPathComponent("report.html")
        try JSONSerialization.data(withJSONObject: json).write(to: input)
        let made = try await ConfgateRunner.run(["report", input.path, "-o", html.path])
        #expect(made.status == 0, "\(made.stderr)")
        let r = try await Browser.run(chromium, ["--dump-dom", html.absoluteString], profile: directory)
        #expect(r.status == 0, "\(r.stderr)")
        let table = try Self.table(r.stdout, "Data: connections per 100 ms, every round")
        for n in 1...3 {
            let chart = try Self.svg(r.stdout, "chart-connections-round-\(n)")
            #expect(Self.dataPaths(chart).count == 2, "round \(n): both sides drawn")
            let peaks = try Self.legendPeaks(chart)
            #expect(peaks.map(\.0) == ["current", "proposed"], "round \(n): \(peaks)")
            for (side, peak) in peaks {
                #expect(try Self.column(table, "round \(n) \(side)").max() == peak, "round \(n) \(side)")
            }
        }
        #expect(try Self.legendPeaks(Self.svg(r.stdout, "chart-connections-round-3")).contains { $0 == ("proposed", 95) })
        // For a person to look at, beside the outage's.
        let shots = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CONFGATE_SCREENSHOT_DIR"]
                        ?? FileManager.default.temporaryDirectory.appendingPathComponent("confgate-report-screenshots").path)
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let png = shots.appendingPathComponent("verify-three-rounds.png")
        let shot = try await Browser.run(chromium, ["--screenshot=\(png.path)", "--window-size=1280,5000", html.absoluteString], profile: directory)
        #expect(shot.status == 0, "\(shot.stderr)")
        print("three-round report screenshot: \(png.path)")
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
