import Foundation

extension ReportTimelines {
    /// The server's connections by state (`active`, `idle`, `idle in transaction`, …), summed
    /// over the fleet's applications, one chart per side on one y scale, with the largest
    /// application's peak under it: whether the connections the fleet holds do work or sit
    /// idle, and which instance held the most.
    func connectionsByState() -> String {
        let states = Set(sides.flatMap { $0.run.timeline.flatMap { $0.server.map(\.state) } }).sorted()
        guard !states.isEmpty else { return "" }
        let highest = sides.flatMap { $0.run.timeline.map(\.serverConnections) }.max() ?? 0
        var out = "<p>The same connections by their state in <code>pg_stat_activity</code>: <em>active</em> ones run a statement, <em>idle</em> ones wait in a pool, <em>idle in transaction</em> ones hold a transaction open between statements.</p>\n"
        let styles = [ReportPalette.outcome(.ok), ReportPalette.outcome(.badPassword), ReportPalette.outcome(.poolTimeout), ReportPalette.utilization]
        for side in sides {
            let chart = SVGLineChart(
                id: single ? "chart-states" : "chart-states-\(side.name)",
                title: single ? "Server connections by state every 100 ms" : "Server connections by state: \(side.name) (round 1)",
                xLabel: "time into the trial (s)", yLabel: "connections",
                series: states.enumerated().map { i, state in
                    .init(name: state, style: styles[i % styles.count],
                          points: side.run.timeline.map { p in
                              ChartPoint(x: Self.seconds(p), y: Double(p.server.filter { $0.state == state }.reduce(0) { $0 + $1.count }))
                          }, markPeak: true)
                },
                bands: sharedBands, yMax: SVG.niceCeiling(Double(highest)), xMax: timeEnd, height: 260)
            out += "<figure>\n" + chart.render() + "\n</figure>\n"
            var peaks: [String: Int] = [:]
            for point in side.run.timeline {
                for (application, count) in Dictionary(grouping: point.server, by: \.application).mapValues({ $0.reduce(0) { $0 + $1.count } }) {
                    peaks[application] = max(peaks[application] ?? 0, count)
                }
            }
            let rows = peaks.sorted { $0.key.compare($1.key, options: .numeric) == .orderedAscending }.map { [$0.key, "\($0.value)"] }
            out += HTML.dataTable(single ? "Data: peak connections by application" : "Data: \(side.name) peak connections by application",
                                  ["application_name", "peak connections"], rows)
        }
        return out
    }
}
