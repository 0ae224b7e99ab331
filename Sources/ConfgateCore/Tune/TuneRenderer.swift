import Foundation

/// Every way a `TuneResult` is written: `tune --format`.
public enum TuneFormat: String, CaseIterable, Sendable {
    case text, json, markdown, html

    public func render(_ result: TuneResult) -> String {
        switch self {
        case .text: TuneRenderer(markdown: false).render(result)
        case .markdown: TuneRenderer(markdown: true).render(result)
        case .json: Self.json(result)
        case .html: TuneHTMLRenderer().render(result)
        }
    }

    /// Pretty, stable JSON (sorted keys), ending in a newline; the DSN's password redacted.
    static func json(_ result: TuneResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(result)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}

/// The text and Markdown forms: the headline, the recommendation, today's value, the edges
/// with their arithmetic, and a table of the steps tried.
struct TuneRenderer {
    var markdown: Bool

    func render(_ r: TuneResult) -> String {
        let name = r.dimension.name
        var out: [String] = []
        out.append(markdown ? "### confgate tune: \(r.dimension.key)\n\n**\(r.headline)**" : r.headline)
        if let value = r.recommended {
            out.append("\(markdown ? "- " : "")recommended: \(name) \(value) — \(r.recommendationWhy)")
        }
        out.append((markdown ? "- " : "") + r.today)
        out.append("")
        let reference = r.steps.first?.reference ?? r.arithmetic.trialTop ?? 0
        let edges = Self.edges(r)
        out.append(markdown ? "#### Edges\n" : "Edges")
        out += table(edges.header, edges.rows)
        out.append("")
        out.append(markdown ? "#### Steps (each: the candidate against \(name) \(reference), judged by the verify machinery)\n"
                            : "Steps (each: the candidate against \(name) \(reference), judged by the verify machinery)")
        if r.steps.isEmpty {
            out.append(markdown ? "_no trials: arithmetic decided_" : "  none: arithmetic decided")
        } else {
            let steps = Self.steps(r)
            out += table(steps.header, steps.rows)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The edges table: each edge of the range, its value and why (every format shows it).
    static func edges(_ r: TuneResult) -> (header: [String], rows: [[String]]) {
        let a = r.arithmetic
        let name = r.dimension.name
        let percent = r.percent
        let reference = r.steps.first?.reference ?? a.trialTop ?? 0
        let side = r.dimension.raisesLimit ? "lower" : "upper"
        let rows: [[String]] = r.dimension.raisesLimit ? [
            ["hard lower edge", a.hardEdge.map(String.init) ?? "none", a.hardEdgeText ?? ""],
            ["verify's lower edge", a.trialTop.map(String.init) ?? "none", "usable above the demand: a fleet holding every usable connection is exhaustion"],
            ["\(percent) utilization edge", a.utilizationEdge.map(String.init) ?? "none", a.utilizationEdgeText ?? ""],
            ["Little's law", "-", a.littleText],
        ] : [
            ["hard \(side) edge", a.hardEdge.map(String.init) ?? "none", (a.hardEdgeText.map { "\($0) \(a.limitName)" } ?? a.pastHardEdgeText)],
            ["\(percent) utilization edge", a.utilizationEdge.map(String.init) ?? "none", a.utilizationEdgeText.map { "\($0) (\(percent) of \(a.limit))" } ?? "no value keeps the headroom"],
            ["Little's law floor", "\(a.littleMinimum)", a.littleText],
            ["lower edge (trials)", r.range.map { "\($0.lowerBound)" } ?? "none", r.range == nil ? "" : "smallest value with no failures and p50/p99 within +\(TuneArithmetic.number(r.gate.latencyTolerance * 100))% of \(name) \(reference)"],
        ]
        return (["edge", name, "why"], rows)
    }

    /// The steps table: each candidate tried, in order, with its figures and result.
    static func steps(_ r: TuneResult) -> (header: [String], rows: [[String]]) {
        let rows = r.steps.enumerated().map { i, s in
            [
                "\(i + 1)", "\(s.value)", "\(s.mode.rawValue), \(s.rounds) round\(s.rounds == 1 ? "" : "s")", "\(s.failures)",
                Self.ms(s.p50, s.referenceP50), Self.ms(s.p99, s.referenceP99),
                s.p50Ratio.map { String(format: "×%.2f", $0) } ?? "-", s.p99Ratio.map { String(format: "×%.2f", $0) } ?? "-",
                s.outcome.rawValue + (s.outcome == .safe ? "" : ": " + s.reason) + (s.referenceFailure.map { "; reference failed: \($0)" } ?? ""),
            ]
        }
        return (["#", r.dimension.name, "trials", "failed", "p50 ms (ref)", "p99 ms (ref)", "p50", "p99", "result"], rows)
    }

    static func ms(_ value: Int64?, _ ref: Int64?) -> String {
        guard let value else { return "-" }
        let f = { (x: Int64) in String(format: "%.1f", Double(x) / 1000) }
        return f(value) + (ref.map { " (\(f($0)))" } ?? "")
    }

    private func table(_ header: [String], _ rows: [[String]]) -> [String] {
        if markdown {
            let line = { (cells: [String]) in "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
            return [line(header), line(header.map { _ in "---" })] + rows.map(line)
        }
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { cells in
            "  " + cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
    }
}
