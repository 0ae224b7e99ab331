import Foundation

extension ReportTimelines {
    /// Every round's connections, small multiples: one chart per round with both sides on
    /// it, all on the y scale and time axis of the round 1 chart above, with the limits
    /// drawn; then the rounds that did not run, said in words, and one table of every
    /// round's connections. A round ends up different from round 1 when, say, the side
    /// that ran second found the server warm: this is where a reviewer sees it.
    func connectionsByRound() -> String {
        let ran = rounds.filter { $0.trials.contains { $0.trial.result != nil } }
        var out = "<h3>Every round</h3>\n<p>Each round's connections, both sides, on the same scales as the chart above"
            + " (the side that ran first in a round is named in its title).</p>\n"
        let timeEnd = ran.flatMap { $0.trials.compactMap { $0.trial.result?.timeline.last.map(Self.seconds) } }.max() ?? self.timeEnd
        var failed: [String] = []
        out += "<figure>\n"
        for round in ran {
            let sides = round.trials.compactMap { name, trial in
                trial.result.map { Side(name: name, run: $0, style: name == "current" ? ReportPalette.current : ReportPalette.proposed) }
            }
            failed += round.trials.filter { $0.trial.result == nil }.map { name, trial in
                "round \(round.number), \(name): the trial did not run (\(trial.error ?? "no result"))"
            }
            let first = round.trials.first { $0.trial.ranFirst }?.name
            let longest = sides.map(\.run).max { $0.timeline.count < $1.timeline.count }?.timeline ?? []
            let chart = SVGLineChart(
                id: "chart-connections-round-\(round.number)",
                title: "Round \(round.number)" + (first.map { " (\($0) ran first)" } ?? ""),
                xLabel: "time into the trial (s)", yLabel: "connections",
                series: sides.map { side in
                    .init(name: side.name, style: side.style,
                          points: side.run.timeline.map { ChartPoint(x: Self.seconds($0), y: Double($0.serverConnections)) }, markPeak: true)
                },
                thresholds: thresholds.map { .init(label: Self.shortLabel($0.label), value: $0.value, style: $0.style) },
                bands: bands(longest), marks: refusalMarks(sides), yMax: connectionsYMax, xMax: timeEnd,
                width: 450, height: 240, right: 104)
            out += chart.render() + "\n"
        }
        out += "</figure>\n"
        if !failed.isEmpty { out += "<p>Not drawn: \(HTML.escape(failed.joined(separator: "; "))).</p>\n" }
        out += roundsNotRun
        let columns = ran.flatMap { round in
            round.trials.compactMap { name, trial in trial.result.map { ("round \(round.number) \(name)", $0.timeline) } }
        }
        return out + Self.connectionsTable(columns, scope: ", every round")
    }

    /// `Rounds 2–3 of 3 did not run: verify blocked after 1 of 3 rounds: …`, or nothing.
    var roundsNotRun: String {
        guard let stop = stoppedEarly, stop.of > stop.afterRound else { return "" }
        let missing = stop.afterRound + 1 == stop.of ? "Round \(stop.of) of \(stop.of) did not run"
            : "Rounds \(stop.afterRound + 1)–\(stop.of) of \(stop.of) did not run"
        return "<p>\(missing): verify \(HTML.escape(stop.sentence)).</p>\n"
    }

    /// A limit's label short enough for a small chart: `max_connections 100` → `max 100`,
    /// `90% of usable = 87.3` → `90%`, `usable 97 (current)` → `usable 97 (cur.)`.
    static func shortLabel(_ label: String) -> String {
        if let of = label.range(of: " of usable") { return String(label[..<of.lowerBound]) }
        return label.replacingOccurrences(of: "max_connections ", with: "max ")
            .replacingOccurrences(of: "(current)", with: "(cur.)").replacingOccurrences(of: "(proposed)", with: "(prop.)")
    }
}
