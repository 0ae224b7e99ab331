import Foundation

/// The report's charts over time, from each side's first round: server connections
/// against the limits, and logins per 100 ms by outcome. Each chart comes with its data
/// in a `<details>` table.
struct ReportTimelines {
    var result: VerifyResult

    /// The first completed round of each side, or `nil` for a side that ran none.
    var currentRun: RunResult? { result.current.runs.first }
    var proposedRun: RunResult? { result.proposed.runs.first }

    /// Seconds from the trial's start, for a point's interval end.
    static func seconds(_ point: TimelinePoint) -> Double { Double(point.at) / 1000 }

    /// When the schedule's last login was due (warmup + duration), in seconds: later points
    /// are logins still finishing (waiting out a timeout), not new load.
    var scheduleEnd: Double { result.load.warmup.seconds + result.load.duration.seconds }

    /// The longest timeline's end, so both sides' charts share one time axis.
    var timeEnd: Double {
        [currentRun, proposedRun].compactMap { $0?.timeline.last.map(Self.seconds) }.max() ?? scheduleEnd
    }

    /// Label of the band after the schedule ended.
    static let finishing = "schedule over"

    /// Runs of consecutive points in one phase, as shaded bands (each interval spans the
    /// 100 ms before its end); points after `scheduleEnd` form a band of their own.
    func bands(_ timeline: [TimelinePoint]) -> [SVGLineChart.Band] {
        var bands: [SVGLineChart.Band] = []
        for point in timeline {
            let end = Self.seconds(point), start = max(end - 0.1, 0)
            let over = end > scheduleEnd + 0.05
            let label = over ? Self.finishing : point.phase.rawValue
            if let last = bands.last, last.label == label {
                bands[bands.count - 1].to = end
            } else {
                bands.append(.init(label: label, from: bands.last?.to ?? start, to: end,
                                   fill: over ? ReportPalette.finishing : ReportPalette.phase(point.phase)))
            }
        }
        return bands
    }

    /// The bands of the longer of the two first rounds.
    var sharedBands: [SVGLineChart.Band] {
        let runs = [currentRun, proposedRun].compactMap { $0 }
        return bands(runs.max { $0.timeline.count < $1.timeline.count }?.timeline ?? [])
    }

    /// Connections over time, both sides overlaid, with max_connections, usable and the
    /// max_utilization level drawn.
    func connections() -> String {
        let sides = [("current", currentRun, ReportPalette.current), ("proposed", proposedRun, ReportPalette.proposed)]
            .compactMap { name, run, style in run.map { (name, $0, style) } }
        guard !sides.isEmpty else { return "<p>No round completed, so there is no timeline to draw.</p>\n" }
        var thresholds: [SVGLineChart.Threshold] = []
        let c = result.current.settings.server, p = result.proposed.settings.server
        let uc = result.current.derived.usable, up = result.proposed.derived.usable
        let share = result.gate.maxUtilization
        if c.maxConnections == p.maxConnections {
            thresholds.append(.init(label: "max_connections \(p.maxConnections)", value: Double(p.maxConnections), style: ReportPalette.maxConnections))
        } else {
            thresholds.append(.init(label: "max_connections \(c.maxConnections) (cur.)", value: Double(c.maxConnections), style: ReportPalette.maxConnections))
            thresholds.append(.init(label: "max_connections \(p.maxConnections) (prop.)", value: Double(p.maxConnections), style: ReportPalette.maxConnections))
        }
        if uc == up {
            thresholds.append(.init(label: "usable \(up)", value: Double(up), style: ReportPalette.usable))
        } else {
            thresholds.append(.init(label: "usable \(uc) (current)", value: Double(uc), style: ReportPalette.usable))
            thresholds.append(.init(label: "usable \(up) (proposed)", value: Double(up), style: ReportPalette.usable))
        }
        let warnAt = Double(up) * share
        thresholds.append(.init(label: "\(ReportChecks.percent(share)) of usable = \(SVG.number(warnAt))", value: warnAt, style: ReportPalette.utilization))
        let chart = SVGLineChart(
            id: "chart-connections", title: "Server connections every 100 ms (round 1 of each side)",
            xLabel: "time into the trial (s)", yLabel: "connections (non-superuser)",
            series: sides.map { name, run, style in
                .init(name: "\(name) (\(style.patternName))", style: style,
                      points: run.timeline.map { ChartPoint(x: Self.seconds($0), y: Double($0.serverConnections)) }, markPeak: true)
            },
            thresholds: thresholds, bands: sharedBands, xMax: timeEnd)
        var out = "<figure>\n" + chart.render() + "\n</figure>\n"
        // The data, one row per 100 ms, both sides side by side.
        let byAt = sides.map { _, run, _ in Dictionary(run.timeline.map { ($0.at, $0) }, uniquingKeysWith: { a, _ in a }) }
        let times = Set(sides.flatMap { $0.1.timeline.map(\.at) }).sorted()
        let rows = times.map { at in
            [String(format: "%.1f", Double(at) / 1000), byAt.lazy.compactMap { $0[at]?.phase.rawValue }.first ?? ""]
                + byAt.map { $0[at].map { "\($0.serverConnections)" } ?? "" }
        }
        out += HTML.dataTable("Data: connections per 100 ms", ["time (s)", "phase"] + sides.map { "\($0.0) connections" }, rows)
        return out
    }

    /// Logins completed per 100 ms by outcome, one chart per side on the same y scale.
    func logins() -> String {
        let sides = [("current", currentRun), ("proposed", proposedRun)].compactMap { name, run in run.map { (name, $0) } }
        guard !sides.isEmpty else { return "" }
        let keys = Set(sides.flatMap { $0.1.timeline.flatMap { $0.outcomes.outcomes } }).sorted()
        let highest = sides.flatMap { $0.1.timeline.map(\.outcomes.highest) }.max() ?? 0
        let yMax = SVG.niceCeiling(Double(highest))
        var out = ""
        for (name, run) in sides {
            let chart = SVGLineChart(
                id: "chart-logins-\(name)", title: "Logins per 100 ms by outcome: \(name) (round 1)",
                xLabel: "time into the trial (s)", yLabel: "logins completed per 100 ms",
                series: keys.map { key in
                    .init(name: key.description, style: ReportPalette.outcome(key.kind),
                          points: run.timeline.map { ChartPoint(x: Self.seconds($0), y: Double($0.outcomes[key] ?? 0)) })
                },
                bands: sharedBands, yMax: yMax, xMax: timeEnd, height: 280)
            out += "<figure>\n" + chart.render() + "\n</figure>\n"
            let failures = run.summary.outcomes.filter { $0.outcome.kind.isFailure && $0.count > 0 }
            if let firstFailure = failures.min(by: { $0.firstAt < $1.firstAt }) {
                out += "<p>\(HTML.escape(name.capitalized)): the first login that failed (\(HTML.escape(firstFailure.outcome.description))) had been scheduled \(String(format: "%.1f", Double(firstFailure.firstAt) / 1e6)) s into the trial; the chart counts each login in the 100 ms in which it completed, so a login that waited shows up later.</p>\n"
            }
            let rows = run.timeline.map { point in
                [String(format: "%.1f", Self.seconds(point)), point.phase.rawValue] + keys.map { "\(point.outcomes[$0] ?? 0)" }
            }
            out += HTML.dataTable("Data: \(name) logins per 100 ms", ["time (s)", "phase"] + keys.map(\.description), rows)
        }
        return out
    }

    /// `connect_failed 53300` → its outcome, for ordering and style.
}
