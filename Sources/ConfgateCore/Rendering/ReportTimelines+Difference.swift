import Foundation

extension ReportTimelines {
    /// Under the two logins charts: proposed − current in each 100 ms of round 1, for logins
    /// that completed ok and for failed ones (every failure outcome together), with each
    /// side's first failure marked, the round's totals in a sentence and the differences in
    /// a table. Above zero the proposed side completed more in that interval.
    func loginsDifference() -> String {
        guard let current = sides.first(where: { $0.name == "current" }), let proposed = sides.first(where: { $0.name == "proposed" }) else { return "" }
        func counts(_ run: RunResult) -> [Int64: (ok: Int, failed: Int)] {
            Dictionary(run.timeline.map { point in
                (point.at, (point.outcomes[.ok] ?? 0, point.outcomes.failures))
            }) { a, _ in a }
        }
        let c = counts(current.run), p = counts(proposed.run)
        let ends = Set(c.keys).union(p.keys).sorted()
        let diffs = ends.map { at in
            (at: at, ok: (p[at]?.ok ?? 0) - (c[at]?.ok ?? 0), failed: (p[at]?.failed ?? 0) - (c[at]?.failed ?? 0))
        }
        let markers: [SVGLineChart.Marker] = [current, proposed].compactMap { side in
            Self.firstFailure(side.run).map { .init(x: $0, label: "\(side.name): first failure \(String(format: "%.1f", $0)) s", style: LineStyle(color: side.style.color, dash: side.style.dash, width: 1)) }
        }
        let chart = SVGLineChart(
            id: "chart-logins-difference", title: "Logins per 100 ms: proposed − current (round 1)",
            xLabel: "time into the trial (s)", yLabel: "difference per 100 ms",
            series: [
                .init(name: "ok (proposed − current)", style: ReportPalette.outcome(.ok),
                      points: diffs.map { ChartPoint(x: Double($0.at) / 1000, y: Double($0.ok)) }),
                .init(name: "failed (proposed − current)", style: ReportPalette.outcome(.connectFailed),
                      points: diffs.map { ChartPoint(x: Double($0.at) / 1000, y: Double($0.failed)) }),
            ],
            bands: sharedBands, markers: markers, xMax: timeEnd, height: 240)
        var out = "<figure>\n" + chart.render() + "\n</figure>\n"
        func total(_ d: [Int64: (ok: Int, failed: Int)], _ key: KeyPath<(ok: Int, failed: Int), Int>) -> Int { d.values.reduce(0) { $0 + $1[keyPath: key] } }
        let okC = total(c, \.ok), okP = total(p, \.ok), failedC = total(c, \.failed), failedP = total(p, \.failed)
        out += "<p>Above 0 the proposed side completed more logins in that 100 ms, below 0 fewer; a spike that swings "
            + "straight back is the same burst landing in neighbouring intervals on the two sides, not a difference. Over round 1: "
            + "ok \(okP) proposed vs \(okC) current (\(Self.signed(okP - okC))), failed \(failedP) vs \(failedC) (\(Self.signed(failedP - failedC))).</p>\n"
        // One row per 100 ms (per bucket, its sums, on a long run).
        let step = Self.tableStep(diffs.count)
        let buckets = Dictionary(grouping: diffs) { Self.bucketEnd($0.at, step: step) }
        let rows = buckets.keys.sorted().map { end in
            let group = buckets[end] ?? []
            return [String(format: "%.1f", Double(end) / 1000), Self.signed(group.reduce(0) { $0 + $1.ok }), Self.signed(group.reduce(0) { $0 + $1.failed })]
        }
        let per = step == 100 ? "per 100 ms" : "per \(Self.stepText(step))"
        out += HTML.dataTable("Data: proposed − current \(per)", ["time (s)", "ok difference", "failed difference"], rows,
                              note: step == 100 ? nil : Self.bucketNote(step, "the sum of its 100 ms intervals"))
        return out
    }

    /// `+3`, `−2`, `0`.
    static func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : n < 0 ? "−\(-n)" : "0" }
}
