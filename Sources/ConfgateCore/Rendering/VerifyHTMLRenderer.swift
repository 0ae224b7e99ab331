import Foundation

/// `verify`'s result as one self-contained HTML page a reviewer decides from: the verdict
/// first, the evidence after. A pure function of the `VerifyResult`, so any saved result
/// re-renders the same page (`confgate report result.json`).
///
/// The page makes no network request and needs no JavaScript: charts are inline SVG styled
/// with presentation attributes, tables are plain HTML with `border`/`align` attributes, and
/// the small `<style>` block only tidies the layout — without it (a policy that blocks
/// inline styles) every section still reads in order. All text from the result is escaped.
public struct VerifyHTMLRenderer: Sendable {
    public init() {}

    public func render(_ r: VerifyResult) -> String {
        let timelines = ReportTimelines(result: r)
        var out = Self.head(r)
        out += Self.banner(r)
        out += Self.section("checks", "Checks", Self.checks(r))
        out += Self.section("settings", "The settings change", ReportSettingsChange.render(r))
        if !r.lintOnly {
            out += Self.section("connections", "Connections over time", Self.connectionsIntro + timelines.connections() + timelines.connectionsByApplication() + timelines.connectionsByState())
            let pooler = ReportPooler.sides(r)
            if !pooler.isEmpty { out += Self.section("pooler", "Pooler", ReportPooler.render(pooler, timelines: timelines)) }
            out += Self.section("logins", "Logins per 100 ms by outcome", Self.loginsIntro + timelines.logins())
            out += Self.section("latency", "Latency percentile distribution", ReportLatency.distribution([
                .init(name: "current", style: ReportPalette.current, runs: r.current.runs),
                .init(name: "proposed", style: ReportPalette.proposed, runs: r.proposed.runs),
            ]))
            out += Self.section("latency-over-time", "p50 and p99 over time", timelines.latencyOverTime())
            out += Self.section("latency-judgement", "The latency judgement", ReportLatency.judgement(r))
            out += Self.section("pools", "Pools", ReportPools.render(timelines.sides.map { ($0.name, $0.run) }))
        }
        out += Self.section("findings", "Findings", Self.findings(r))
        out += Self.section("data-quality", "Data quality", ReportProvenance.dataQuality(r))
        out += Self.section("provenance", "Provenance", ReportProvenance.render(r))
        return out + "</main>\n</body>\n</html>\n"
    }

    static func section(_ id: String, _ title: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(HTML.escape(title))</h2>\n\(body)</section>\n"
    }

    static let connectionsIntro = """
        <p>Each line is one side's non-superuser connections on its scratch server, sampled every 100 ms \
        in the first round. The verdict judges the peak against <em>usable</em>; at <em>max_connections</em> \
        the server refuses new logins with SQLSTATE 53300. Shaded bands are the load's phases; after \
        <em>schedule over</em> no new login starts, and what is left is logins still waiting for a \
        connection or a timeout, so a side that ran into a limit runs longer.</p>

        """

    static let loginsIntro = """
        <p>Logins that completed in each 100 ms of round 1, by outcome, on the same axes for both sides. \
        <em>ok</em> and <em>bad_password</em> (a wrong password, on purpose) are expected; every other \
        outcome is a failure the gate counts, with its SQLSTATE (53300: too many connections).</p>

        """

    static func head(_ r: VerifyResult) -> String {
        let (background, _) = ReportPalette.banner(r.verdict.decision)
        return page(title: "confgate verify: \(word(r.verdict.decision)) — \(r.proposed.file)", accent: background)
    }

    /// The page's opening up to `<main>`: its title, and the small layout stylesheet with
    /// the banner's accent colour.
    static func page(title: String, accent background: String) -> String {
        """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(HTML.escape(title))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 0 16px 32px; color: #111; line-height: 1.4; }
            .banner { border-left: 12px solid \(background); padding: 8px 16px; margin: 16px 0; background: #f6f6f6; }
            .banner h1 { margin: 4px 0; font-size: 28px; }
            table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
            th, td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; }
            svg { max-width: 100%; height: auto; }
            figure { margin: 12px 0; }
            pre { white-space: pre-wrap; background: #f3f3f3; padding: 8px; }
            @media print { details { display: block; } }
            @media (prefers-color-scheme: dark) {
            body { background: #121212; color: #e8e8e8; }
            .banner, pre { background: #1e1e1e; }
            th, td { border-color: #555; }
            svg [fill="#FFFFFF"] { fill: #121212; }
            svg[fill="#000000"], svg [fill="#000000"], svg [fill="#333333"] { fill: #e8e8e8; }
            svg [stroke="#000000"] { stroke: #e8e8e8; }
            svg [stroke="#DDDDDD"] { stroke: #3a3a3a; }
            svg [fill="#F2F2F2"] { fill: #262626; }
            svg [fill="#DADADA"] { fill: #333333; }
            svg [fill="#FCE9C8"] { fill: #3d3222; }
            svg [stroke="#FFFFFF"] { stroke: #121212; }
            svg [fill="#0072B2"] { fill: #3a9ee0; }
            svg [stroke="#0072B2"] { stroke: #3a9ee0; }
            }
            </style>
            </head>
            <body>
            <main>

            """
    }

    /// PASS / BLOCKED / INCONCLUSIVE in words a CI log and a person both read.
    static func word(_ d: Verdict.Decision) -> String {
        switch d {
        case .pass: "PASS"
        case .passWithWarnings: "PASS with warnings"
        case .blocked: "BLOCKED"
        case .inconclusive: "INCONCLUSIVE"
        }
    }

    /// The first thing on the page: the decision, one sentence with the rule, the value and
    /// the limit, and what the exit code tells CI to do.
    static func banner(_ r: VerifyResult) -> String {
        let d = r.verdict.decision
        let (background, foreground) = ReportPalette.banner(d)
        let badge = "<svg width=\"22\" height=\"22\" viewBox=\"0 0 22 22\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"20\" height=\"20\" rx=\"4\" fill=\"\(background)\" stroke=\"#000000\"/>"
            + "<text x=\"11\" y=\"16\" \(SVG.font) font-size=\"14\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"\(foreground)\">\(d == .blocked ? "×" : d == .inconclusive ? "?" : "✓")</text></svg>"
        var out = "<header class=\"banner\" id=\"verdict\">\n"
        out += "<h1>\(badge) \(HTML.escape(word(d)))\(r.quick ? " <small>(--quick: a fast look, not the full gate)</small>" : "")</h1>\n"
        out += "<p id=\"verdict-sentence\"><strong>\(HTML.escape(sentence(r)))</strong></p>\n"
        out += "<p>\(HTML.escape(exitAdvice(d)))</p>\n"
        out += "<p>current <code>\(HTML.escape(r.current.file))</code> → proposed <code>\(HTML.escape(r.proposed.file))</code></p>\n"
        return out + "</header>\n"
    }

    /// The verdict in one sentence: the rule, the value and the limit.
    static func sentence(_ r: VerifyResult) -> String {
        let v = r.verdict
        let usable = ReportSettingsChange.usableArithmetic(r.proposed.settings.server, r.proposed.derived.usable)
        let more = v.reasons.count > 1 ? " (\(v.reasons.count - 1) more reason\(v.reasons.count == 2 ? "" : "s") under Checks → Why.)" : ""
        switch v.decision {
        case .blocked:
            guard let reason = v.reasons.first else { return v.headline }
            var message = reason.message
            if reason.kind == .exhaustion {
                // Spell out where the limit comes from: `usable 97 (= max_connections 100 − …)`.
                let term = "usable \(r.proposed.derived.usable)"
                if message.hasSuffix(term) {
                    message += " (= " + usable.dropFirst(term.count + 3) + ")"
                } else {
                    message += "; \(usable)"
                }
            }
            return "\(label(reason.kind)): \(message).\(more)"
        case .inconclusive:
            return "The environment failed, so nothing was judged: \(v.reasons.first?.message ?? "a trial failed to run").\(more)"
        case .pass, .passWithWarnings:
            let runs = r.proposed.runs.map(\.summary)
            var parts: [String] = []
            if !r.lintOnly {
                let peak = runs.map(\.peakServerConnections).max() ?? 0, failed = runs.map(\.failures).max() ?? 0
                parts.append("no exhaustion (peak \(peak) of usable \(ReportChecks.usable(runs, r.proposed.derived)) connections; \(failed) failed logins, limit \(r.gate.maxFailedLogins))")
                if let p50 = v.latency.first(where: { $0.metric == "p50" }) {
                    let interval = String(format: "×%.2f, %@ interval ×%.2f–×%.2f", p50.ratio, ReportChecks.percent(p50.confidence), p50.lower, p50.upper)
                    parts.append(p50.ratio > 1 + p50.tolerance
                        ? "no latency regression shown, though the estimate is above tolerance +\(ReportChecks.percent(p50.tolerance)) (p50 \(interval): too little data to tell)"
                        : "no latency regression (p50 \(interval), tolerance +\(ReportChecks.percent(p50.tolerance)))")
                }
            }
            parts.append("no error-level findings")
            var text = "Pass: " + parts.joined(separator: ", ") + "."
            if v.decision == .passWithWarnings, let w = v.warnings.first {
                text += " \(v.warnings.count) warning\(v.warnings.count == 1 ? "" : "s"), first: \(w.message)."
            }
            return text
        }
    }

    /// `Exhaustion`, `Latency`, …
    static func label(_ kind: Verdict.Kind) -> String {
        switch kind {
        case .exhaustion: "Exhaustion"
        case .latency: "Latency regression"
        case .rule: "Error-level rule"
        case .utilization: "Utilization"
        case .currentSide: "Current side"
        case .environment: "Environment"
        }
    }

    /// `Exit code 1: CI should not merge this change.`
    static func exitAdvice(_ d: Verdict.Decision) -> String {
        switch d {
        case .pass: "Exit code 0: CI should merge."
        case .passWithWarnings: "Exit code 0: CI should merge; read the warnings below."
        case .blocked: "Exit code 1: CI should not merge this change."
        case .inconclusive: "Exit code 3: CI should retry; never read this as a pass."
        }
    }

    /// The checks table, then the reasons and warnings with their evidence.
    static func checks(_ r: VerifyResult) -> String {
        var out = HTML.table(ReportChecks.header, ReportChecks.rows(r).map(\.cells), numeric: [1, 2])
        if r.lintOnly { out += "<p>--lint-only: no load was run, so only the files were judged.</p>\n" }
        out += "<p>Current and proposed are totals over the rounds (peaks: the highest round; latency: the median of rounds). "
            + "Evidence is rounds and logins measured per side (current / proposed).</p>\n"
        if !r.verdict.latency.isEmpty {
            out += "<p>The latency rows are judged on the ratio proposed ÷ current and its interval: drawn under <em>The latency judgement</em> below.</p>\n"
        }
        let v = r.verdict
        for (title, reasons) in [("Why", v.reasons), ("Warnings", v.warnings)] where !reasons.isEmpty {
            out += "<h3>\(title)</h3>\n<ul>\n"
            for reason in reasons {
                out += "<li><strong>\(HTML.escape(reason.kind.rawValue))</strong>: \(HTML.prose(reason.message))"
                if !reason.evidence.isEmpty {
                    out += "\n<ul>" + reason.evidence.map { "<li>\(HTML.prose($0))</li>" }.joined() + "</ul>\n"
                }
                out += "</li>\n"
            }
            out += "</ul>\n"
        }
        return out
    }

    /// Both sides' lint findings, proposed first, with where, why and the fix.
    static func findings(_ r: VerifyResult) -> String {
        let all = [("proposed", r.proposed.findings), ("current", r.current.findings)]
            .flatMap { side, findings in findings.map { (side, $0) } }
        guard !all.isEmpty else { return "<p>No lint findings on either side.</p>\n" }
        let rows = all.map { side, f in
            [f.ruleID, side, f.severity.rawValue + (f.suppression.map { " (suppressed: \($0.summary))" } ?? ""),
             f.location?.description ?? "", f.message, f.fix]
        }
        return HTML.table(["rule", "side", "severity", "where", "finding", "fix"], rows)
    }
}
