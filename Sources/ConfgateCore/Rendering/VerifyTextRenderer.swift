import Foundation

/// `verify`'s report for people: the verdict first, then the two sides side by side, the
/// reasons with their evidence, the latency judgement, warnings and findings. Also renders
/// the same report as Markdown for a pull-request comment.
public struct VerifyTextRenderer: Sendable {
    public var style: TextStyle
    public var markdown: Bool

    public init(style: TextStyle = .plain, markdown: Bool = false) {
        self.style = style
        self.markdown = markdown
    }

    public func render(_ r: VerifyResult) -> String {
        var out: [String] = []
        let v = r.verdict
        let headline = (r.quick ? "[quick] " : "") + v.headline
        switch v.decision {
        case .pass, .passWithWarnings: out.append(markdown ? "### ✅ \(headline)" : style.green(style.bold(headline)))
        case .blocked: out.append(markdown ? "### ⛔ \(headline)" : style.red(style.bold(headline)))
        case .inconclusive: out.append(markdown ? "### ⚠️ \(headline)" : style.yellow(style.bold(headline)))
        }
        out.append("")
        out.append("current  \(r.current.file)")
        out.append("proposed \(r.proposed.file)")
        if r.quick { out.append("mode     --quick: one short trial per side; a fast look, not the full gate") }
        if let stop = r.stoppedEarly { out.append("rounds   \(stop.sentence)") }
        else if !r.lintOnly { out.append("trials   \(r.load.trials) per side, interleaved; \(r.load.rate.formatted0)/s for \(r.load.duration) after \(r.load.warmup) warmup, seed \(r.load.seed)") }
        out.append("")
        out += table(r)
        if markdown { out += checksAndConnections(r) }
        if !v.reasons.isEmpty {
            out.append("")
            out.append(markdown ? "**Why**" : style.bold("Why"))
            for reason in v.reasons {
                out.append("- \(reason.kind.rawValue): \(reason.message)")
                for e in reason.evidence { out.append("    \(e)") }
            }
        }
        if !v.latency.isEmpty {
            out.append("")
            out.append(markdown ? "**Latency (proposed ÷ current, across rounds)**" : style.bold("Latency (proposed ÷ current, across rounds)"))
            for c in v.latency {
                let verdict = c.regressed ? "REGRESSED" : c.decides ? "ok" : "not judged" + (c.notJudgedBecause.map { " (\($0))" } ?? "")
                out.append("- \(c.metric): ×\(String(format: "%.2f", c.ratio)), \(Int(c.confidence * 100))% interval ×\(String(format: "%.2f", c.lower))…×\(String(format: "%.2f", c.upper)) (\(c.method)); tolerance +\(Int((c.tolerance * 100).rounded()))%: \(verdict)" + (c.detectableText.map { "; this run \($0)" } ?? ""))
            }
        }
        if !v.warnings.isEmpty {
            out.append("")
            out.append(markdown ? "**Warnings**" : style.bold("Warnings"))
            for w in v.warnings { out.append("- \(w.kind.rawValue): \(w.message)") }
        }
        let findings = r.proposed.findings
        if !findings.isEmpty {
            out.append("")
            out.append(markdown ? "**Findings (proposed)**" : style.bold("Findings (proposed)"))
            for f in findings {
                out.append("- \(f.locationPrefix)\(f.severity.rawValue)[\(f.ruleID)] \(f.message)\(f.suppressedSuffix)")
            }
        }
        let text = out.joined(separator: "\n") + "\n"
        return markdown ? Self.fitComment(text) : text
    }

    /// GitHub's limit on a comment's length, in characters.
    static let commentLimit = 65_536

    /// `text` cut to fit a pull-request comment, saying so, when it is longer.
    static func fitComment(_ text: String) -> String {
        guard text.count > commentLimit else { return text }
        let note = "\n\n_(cut to fit a pull-request comment of \(commentLimit) characters; the whole report is report.html and summary.md in the report directory)_\n"
        return String(text.prefix(commentLimit - note.count)) + note
    }


    private func table(_ r: VerifyResult) -> [String] {
        let c = r.current, p = r.proposed
        var rows: [[String]] = [["", "current", "proposed", "change"]]
        func add(_ label: String, _ a: Int, _ b: Int) { rows.append([label, "\(a)", "\(b)", Self.signed(b - a)]) }
        add("usable connections", c.derived.usable, p.derived.usable)
        add("steady demand", c.derived.steadyDemand, p.derived.steadyDemand)
        add("deploy demand", c.derived.deployDemand, p.derived.deployDemand)
        if !r.lintOnly {
            let cr = c.runs.map(\.summary), pr = p.runs.map(\.summary)
            let peakC = cr.map(\.peakServerConnections).max() ?? 0, peakP = pr.map(\.peakServerConnections).max() ?? 0
            rows.append(["peak connections", "\(peakC)/\(c.derived.usable)", "\(peakP)/\(p.derived.usable)", Self.signed(peakP - peakC)])
            let kinds = Set((cr + pr).flatMap(\.outcomes).map(\.outcome).filter { $0.kind.isFailure }).sorted()
            if kinds.isEmpty {
                rows.append(["failed logins", "0", "0", "0"])
            }
            for kind in kinds {
                let a = cr.reduce(0) { $0 + ($1.outcomes.first { $0.outcome == kind }?.count ?? 0) }
                let b = pr.reduce(0) { $0 + ($1.outcomes.first { $0.outcome == kind }?.count ?? 0) }
                rows.append(["failed: \(kind)", "\(a)", "\(b)", Self.signed(b - a)])
            }
            // The server's refusals (by SQLSTATE) and a pooler's (by its reason) apart.
            let splitC = cr.map { ReportPooler.split($0.connectFailures) }, splitP = pr.map { ReportPooler.split($0.connectFailures) }
            let refusedC = splitC.reduce(0) { $0 + $1.server.values.reduce(0, +) }
            let refusedP = splitP.reduce(0) { $0 + $1.server.values.reduce(0, +) }
            if refusedC + refusedP > 0 { rows.append(["refused pool connects", "\(refusedC)", "\(refusedP)", Self.signed(refusedP - refusedC)]) }
            for reason in PoolerRefusal.allCases {
                let a = splitC.reduce(0) { $0 + ($1.pooler[reason.rawValue] ?? 0) }, b = splitP.reduce(0) { $0 + ($1.pooler[reason.rawValue] ?? 0) }
                if a + b > 0 { rows.append(["refused by the pooler (\(reason.rawValue))", "\(a)", "\(b)", Self.signed(b - a)]) }
            }
            let tC = Self.median(cr.map(\.throughput)), tP = Self.median(pr.map(\.throughput))
            rows.append(["throughput /s", String(format: "%.0f", tC), String(format: "%.0f", tP), Self.percent(tC, tP)])
            for (label, path) in [("p50 latency", \LatencySummary.p50), ("p99 latency", \LatencySummary.p99)] {
                let a = Self.median(cr.map { Double($0.latency[keyPath: path]) }), b = Self.median(pr.map { Double($0.latency[keyPath: path]) })
                rows.append([label, Self.ms(a), Self.ms(b), Self.percent(a, b)])
            }
        }
        if markdown {
            var lines = ["| | current | proposed | change |", "| --- | ---: | ---: | ---: |"]
            for row in rows.dropFirst() { lines.append("| " + row.joined(separator: " | ") + " |") }
            return lines
        }
        var widths = [0, 0, 0, 0]
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "   ")
        }
    }

    /// For a pull-request comment: the checks table (as the HTML report's) and each side's
    /// server connections in round 1 as a sparkline against its usable limit.
    private func checksAndConnections(_ r: VerifyResult) -> [String] {
        var lines = ["", "**Checks**", "", "| check | current | proposed | limit | result |", "| --- | ---: | ---: | --- | --- |"]
        for row in ReportChecks.rows(r) {
            let cells = [row.check, row.current, row.proposed, row.limit, row.result]
                .map { $0.replacingOccurrences(of: "|", with: "\\|") }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        let sides = [("current ", r.current), ("proposed", r.proposed)]
        let runs = sides.compactMap { name, side in side.runs.first.map { (name, side, $0) } }
        guard !runs.isEmpty else { return lines }
        let top = runs.map { $0.1.settings.server.maxConnections }.max() ?? 0
        // Zoomed to where the sides differ: from 80% of the lower peak to max_connections.
        let bottom = Int((Double(runs.map { $0.2.summary.peakServerConnections }.min() ?? 0) * 0.8).rounded(.down))
        lines += ["", "**Server connections, round 1** (every 100 ms; ▁ = \(bottom) or fewer, █ = max_connections \(top))", "", "```"]
        for (name, side, run) in runs {
            let series = run.timeline.map(\.serverConnections)
            let peak = series.max() ?? 0
            let usable = run.summary.usable > 0 ? run.summary.usable : side.derived.usable
            lines.append("\(name) \(Sparkline.render(series, bottom: bottom, top: top))  peak \(peak) of usable \(usable)" + (peak >= usable ? "  ← at the limit" : ""))
        }
        lines.append("```")
        return lines + poolerLines(r)
    }

    /// With a pooler on a side: its server connections in round 1 as a sparkline against its
    /// server pools, the most clients that waited for one, and the pooler's refusals.
    private func poolerLines(_ r: VerifyResult) -> [String] {
        let sides = ReportPooler.sides(r)
        guard !sides.isEmpty else { return [] }
        let top = max(sides.map(\.tier.serverConnections).max() ?? 0, sides.map(\.peakServer).max() ?? 0, 1)
        var lines = ["", "**Pooler server connections, round 1** (PgBouncer, every 100 ms; ▁ = 0, █ = \(top))", "", "```"]
        for side in sides {
            let name = side.name == "current" ? "current " : side.name
            let series = side.samples.map(\.sample.serverConnections)
            var line = "\(name) \(Sparkline.render(series, top: top))  peak \(side.peakServer) of server pools \(side.tier.serverConnections)"
            line += side.peakWaiting > 0 ? "; up to \(side.peakWaiting) clients waited (longest \(ReportPooler.wait(side.longestWait)))" : "; no client waited"
            if let refused = side.run.summary.connectFailures[PoolerRefusal.maxClientConn.rawValue], refused > 0 {
                line += "; \(refused) refused by the pooler (max_client_conn)"
            }
            lines.append(line)
        }
        lines.append("```")
        return lines
    }

    static func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : "\(n)" }
    static func ms(_ micros: Double) -> String { String(format: "%.1fms", micros / 1000) }
    static func percent(_ a: Double, _ b: Double) -> String {
        guard a > 0 else { return "-" }
        return String(format: "%+.0f%%", (b / a - 1) * 100)
    }
    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

extension Double {
    /// No decimals: `400`.
    var formatted0: String { String(format: "%.0f", self) }
}
