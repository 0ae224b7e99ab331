import Foundation

/// The report's charts over time, from each side's first round: server connections
/// against the limits, and logins per 100 ms by outcome. Each chart comes with its data
/// in a `<details>` table.
struct ReportTimelines {
    /// One line of the charts: a side's first round (verify) or the run itself.
    struct Side {
        var name: String
        var run: RunResult
        var style: LineStyle
    }

    var sides: [Side]
    /// When the schedule's last login was due (warmup + duration), in seconds: later points
    /// are logins still finishing (waiting out a timeout), not new load.
    var scheduleEnd: Double
    /// The horizontal limits on the connections chart.
    var thresholds: [SVGLineChart.Threshold]
    /// ` (round 1 of each side)` after the connections chart's title, or nothing.
    var titleScope: String
    /// One run (`confgate run`) rather than two sides.
    var single: Bool
    /// Every round of a verify, each side's trial in it (empty for a run).
    var rounds: [Round] = []
    /// Why verify stopped before its last round, if it did.
    var stoppedEarly: VerifyResult.StoppedEarly?

    /// One round of a verify: both sides' trials in it.
    struct Round {
        var number: Int
        /// (side name, its trial), current first; a side without a trial in this round is absent.
        var trials: [(name: String, trial: VerifyResult.Trial)]
    }

    init(result: VerifyResult) {
        sides = [("current", result.current.runs.first, ReportPalette.current), ("proposed", result.proposed.runs.first, ReportPalette.proposed)]
            .compactMap { name, run, style in run.map { Side(name: name, run: $0, style: style) } }
        let numbers = Set((result.current.trials + result.proposed.trials).map(\.round)).sorted()
        rounds = numbers.map { n in
            Round(number: n, trials: [("current", result.current), ("proposed", result.proposed)].compactMap { name, side in
                side.trials.first { $0.round == n }.map { (name, $0) }
            })
        }
        stoppedEarly = result.stoppedEarly
        scheduleEnd = result.load.warmup.seconds + result.load.duration.seconds
        titleScope = " (round 1 of each side)"
        single = false
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
        self.thresholds = thresholds
    }

    /// One run's charts: its connections against its `max_connections` and usable.
    init(run: RunResult, name: String) {
        sides = [Side(name: name, run: run, style: ReportPalette.current)]
        scheduleEnd = run.load.warmup.seconds + run.load.duration.seconds
        titleScope = ""
        single = true
        let usable = run.summary.usable > 0 ? run.summary.usable : Derived(run.settings).usable
        thresholds = [
            .init(label: "max_connections \(run.settings.server.maxConnections)", value: Double(run.settings.server.maxConnections), style: ReportPalette.maxConnections),
            .init(label: "usable \(usable)", value: Double(usable), style: ReportPalette.usable),
        ]
    }

    /// The most rows a data table holds: a round of up to 30 s keeps one row per 100 ms; a
    /// longer run's table has one row per bucket of several intervals (its peak, or its sum),
    /// so a 10-minute run's page stays small and no peak goes missing.
    static let maxTableRows = 300

    /// A table's row width in ms for a timeline of `count` 100 ms points.
    static func tableStep(_ count: Int) -> Int {
        100 * max(1, Int((Double(count) / Double(maxTableRows)).rounded(.up)))
    }

    /// The end (ms) of the `step`-wide bucket holding the interval that ends at `at`.
    static func bucketEnd(_ at: Int64, step: Int) -> Int64 { (at + Int64(step) - 1) / Int64(step) * Int64(step) }

    /// `1 s`, `1.5 s`.
    static func stepText(_ step: Int) -> String {
        step % 1000 == 0 ? "\(step / 1000) s" : String(format: "%.1f s", Double(step) / 1000)
    }

    static func bucketNote(_ step: Int, _ what: String) -> String {
        "A long timeline: each row covers \(stepText(step)) (\(step / 100) samples), with \(what); the chart draws every sample's extremes."
    }

    /// Seconds from the trial's start, for a point's interval end.
    static func seconds(_ point: TimelinePoint) -> Double { Double(point.at) / 1000 }

    /// The longest timeline's end, so both sides' charts share one time axis.
    var timeEnd: Double {
        sides.compactMap { $0.run.timeline.last.map(Self.seconds) }.max() ?? scheduleEnd
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
        bands(sides.map(\.run).max { $0.timeline.count < $1.timeline.count }?.timeline ?? [])
    }

    /// Connections over time, both sides overlaid, with max_connections, usable and the
    /// max_utilization level drawn; then, for a verify of several rounds, every round
    /// (`connectionsByRound`), whose table holds round 1 too.
    func connections() -> String {
        guard !sides.isEmpty else { return "<p>No round completed, so there is no timeline to draw.</p>\n" }
        let marks = refusalMarks(sides)
        let chart = SVGLineChart(
            id: "chart-connections", title: "Server connections every 100 ms\(titleScope)",
            xLabel: "time into the trial (s)", yLabel: "connections (non-superuser)",
            series: sides.map { side in
                .init(name: "\(side.name) (\(side.style.patternName))", style: side.style,
                      points: side.run.timeline.map { ChartPoint(x: Self.seconds($0), y: Double($0.serverConnections)) }, markPeak: true)
            },
            thresholds: thresholds, bands: sharedBands, marks: marks, yMax: connectionsYMax, xMax: timeEnd)
        var out = "<figure>\n" + chart.render() + "\n</figure>\n"
        if !marks.isEmpty {
            let pooler = self.sides.contains { $0.run.settings.pooler != nil } ? ", or by the pooler" : ""
            out += "<p>Bars along the top: when logins were refused (SQLSTATE 53300\(pooler)), in each side's colour; hover for the time span.</p>\n"
        }
        if rounds.filter({ $0.trials.contains { $0.trial.result != nil } }).count > 1 { return out + connectionsByRound() }
        out += roundsNotRun
        return out + Self.connectionsTable(sides.map { ("\($0.name) connections", $0.run.timeline) })
    }

    /// The connections charts' y axis: one scale for round 1 and every other round, above
    /// every sample and every limit line.
    var connectionsYMax: Double {
        let runs = rounds.isEmpty ? sides.map(\.run) : rounds.flatMap { $0.trials.compactMap(\.trial.result) }
        let highest = runs.flatMap { $0.timeline.map(\.serverConnections) }.max() ?? 0
        return SVG.niceCeiling(max(Double(highest), thresholds.map(\.value).max() ?? 0))
    }

    /// Connections per 100 ms (per bucket, with its peak, on a long run), one column per
    /// timeline, side by side.
    static func connectionsTable(_ columns: [(header: String, timeline: [TimelinePoint])], scope: String = "") -> String {
        let step = tableStep(columns.map(\.timeline.count).max() ?? 0)
        let byBucket: [[Int64: [TimelinePoint]]] = columns.map { column in Dictionary(grouping: column.timeline) { bucketEnd($0.at, step: step) } }
        let rows = Set(byBucket.flatMap(\.keys)).sorted().map { (end: Int64) -> [String] in
            let phase = byBucket.lazy.compactMap { $0[end]?.last?.phase.rawValue }.first ?? ""
            let peaks = byBucket.map { buckets -> String in buckets[end].map { "\($0.map(\.serverConnections).max() ?? 0)" } ?? "" }
            return [String(format: "%.1f", Double(end) / 1000), phase] + peaks
        }
        let what = step == 100 ? "connections per 100 ms" : "peak connections per \(stepText(step))"
        return HTML.dataTable("Data: \(what)\(scope)", ["time (s)", "phase"] + columns.map(\.header), rows,
                              note: step == 100 ? nil : bucketNote(step, "the highest of its 100 ms samples"))
    }

    /// The intervals in which a side's logins were refused — by the server (53300) or the
    /// pooler — as marks on a connections chart.
    func refusalMarks(_ sides: [Side]) -> [SVGLineChart.Mark] {
        sides.flatMap { side in
            side.run.timeline.compactMap { point -> SVGLineChart.Mark? in
                let refused = point.outcomes.counts.filter { $0.key.sqlState == "53300" || $0.key.kind == .poolerRefused }.values.reduce(0, +)
                guard refused > 0 else { return nil }
                return .init(x: Self.seconds(point), span: 0.1, group: "\(side.name): logins refused", style: side.style)
            }
        }
    }

    /// Logins completed per 100 ms by outcome, one chart per side on the same y scale.
    func logins() -> String {
        let sides = self.sides.map { ($0.name, $0.run) }
        guard !sides.isEmpty else { return "" }
        let keys = Set(sides.flatMap { $0.1.timeline.flatMap { $0.outcomes.outcomes } }).sorted()
        let highest = sides.flatMap { $0.1.timeline.map(\.outcomes.highest) }.max() ?? 0
        let yMax = SVG.niceCeiling(Double(highest))
        var out = ""
        for (name, run) in sides {
            let chart = SVGLineChart(
                id: single ? "chart-logins" : "chart-logins-\(name)", title: single ? "Logins per 100 ms by outcome" : "Logins per 100 ms by outcome: \(name) (round 1)",
                xLabel: "time into the trial (s)", yLabel: "logins completed per 100 ms",
                series: keys.map { key in
                    .init(name: key.description, style: ReportPalette.outcome(key.kind),
                          points: run.timeline.map { ChartPoint(x: Self.seconds($0), y: Double($0.outcomes[key] ?? 0)) })
                },
                bands: sharedBands, markers: Self.firstFailure(run).map { [.init(x: $0, label: "first failure \(String(format: "%.1f", $0)) s", style: ReportPalette.firstFailure)] } ?? [],
                yMax: yMax, xMax: timeEnd, height: 280)
            out += "<figure>\n" + chart.render() + "\n</figure>\n"
            let failures = run.summary.outcomes.filter { $0.outcome.kind.isFailure && $0.count > 0 }
            if let firstFailure = failures.min(by: { $0.firstAt < $1.firstAt }) {
                let completed = Self.firstFailure(run).map { ", and the first failure completed \(String(format: "%.1f", $0)) s in (the line marked on the chart)" } ?? ""
            out += "<p>\(HTML.escape(single ? "The first" : name.capitalized + ": the first")) login that failed (\(HTML.escape(firstFailure.outcome.description))) had been scheduled \(String(format: "%.1f", Double(firstFailure.firstAt) / 1e6)) s into the trial\(completed); the chart counts each login in the 100 ms in which it completed, so a login that waited shows up later.</p>\n"
            }
            let step = Self.tableStep(run.timeline.count)
            let buckets = Dictionary(grouping: run.timeline) { Self.bucketEnd($0.at, step: step) }
            let rows = buckets.keys.sorted().map { end in
                let points = buckets[end] ?? []
                return [String(format: "%.1f", Double(end) / 1000), points.last?.phase.rawValue ?? ""]
                    + keys.map { key in "\(points.reduce(0) { $0 + ($1.outcomes[key] ?? 0) })" }
            }
            let per = step == 100 ? "per 100 ms" : "per \(Self.stepText(step))"
            out += HTML.dataTable(single ? "Data: logins \(per)" : "Data: \(name) logins \(per)", ["time (s)", "phase"] + keys.map(\.description), rows,
                                  note: step == 100 ? nil : Self.bucketNote(step, "the sum of its 100 ms intervals"))
        }
        return single || sides.count < 2 ? out : out + loginsDifference()
    }

    /// The end (s) of the first 100 ms in which a login failed, or nil.
    static func firstFailure(_ run: RunResult) -> Double? {
        run.timeline.first { $0.outcomes.failures > 0 }.map(seconds)
    }
}
