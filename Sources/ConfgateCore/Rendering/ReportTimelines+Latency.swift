import Foundation

extension ReportTimelines {
    /// p50 and p99 over time: one chart per percentile, both sides on it, from the logins
    /// that completed in each 100 ms (an interval with none leaves a gap in the table and
    /// joins its neighbours in the line). Shows *when* a side got slow — in the spike, in
    /// the deploy — which the distribution above cannot.
    func latencyOverTime() -> String {
        guard !sides.isEmpty else { return "" }
        var out = "<p>The median and the 99th percentile of the logins that completed in each 100 ms, from their scheduled start (so time spent waiting for a connection counts).</p>\n"
        let metrics: [(name: String, value: (TimelinePoint) -> Int64?)] = [("p50", { $0.p50 }), ("p99", { $0.p99 })]
        for metric in metrics {
            let chart = SVGLineChart(
                id: "chart-\(metric.name)-over-time", title: "\(metric.name) of the logins completed in each 100 ms\(titleScope)",
                xLabel: "time into the trial (s)", yLabel: "\(metric.name) latency (ms)",
                series: sides.map { side in
                    .init(name: single ? side.name : "\(side.name) (\(side.style.patternName))", style: side.style,
                          points: side.run.timeline.compactMap { p in metric.value(p).map { ChartPoint(x: Self.seconds(p), y: Double($0) / 1000) } },
                          markPeak: true)
                },
                bands: sharedBands, xMax: timeEnd, height: 260)
            out += "<figure>\n" + chart.render() + "\n</figure>\n"
        }
        // One table for both charts: each interval's p50 and p99 per side.
        let step = Self.tableStep(sides.map(\.run.timeline.count).max() ?? 0)
        let byBucket = sides.map { side in Dictionary(grouping: side.run.timeline) { Self.bucketEnd($0.at, step: step) } }
        let rows = Set(byBucket.flatMap(\.keys)).sorted().map { end in
            [String(format: "%.1f", Double(end) / 1000)] + metrics.flatMap { metric in
                byBucket.map { buckets in
                    (buckets[end] ?? []).compactMap(metric.value).max().map { String(format: "%.1f", Double($0) / 1000) } ?? ""
                }
            }
        }
        let per = step == 100 ? "per 100 ms" : "highest per \(Self.stepText(step))"
        out += HTML.dataTable("Data: p50 and p99 \(per)", ["time (s)"] + metrics.flatMap { metric in sides.map { "\($0.name) \(metric.name) (ms)" } }, rows)
        return out
    }
}
