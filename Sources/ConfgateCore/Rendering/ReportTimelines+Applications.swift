import Foundation

extension ReportTimelines {
    /// More fleet instances than this draw as one band, `fleet (N instances)`.
    static let maxApplicationBands = 6

    /// One band of the connections-by-application chart: an `application_name`, or the
    /// fleet's instances together, or the applications outside the fleet together.
    struct ApplicationBand: Equatable {
        var name: String
        /// The `application_name`s it sums.
        var applications: Set<String>
        var fleet: Bool
    }

    /// Server connections by `application_name`, stacked, one chart per side on one y scale:
    /// the fleet's instances at the bottom (what counts against usable), other clients
    /// (`other_clients`, anything else connected as a non-superuser) on top, with
    /// max_connections and usable drawn. Which instance held what, whether one never got
    /// a connection, and what other clients took.
    func connectionsByApplication() -> String {
        let perSide = sides.map { side in (side, Self.applicationBands(side.run)) }
        guard perSide.contains(where: { !$0.1.isEmpty }) else { return "" }
        let highest = sides.flatMap { side in side.run.timeline.map { $0.server.reduce(0) { $0 + $1.count } } }.max() ?? 0
        let yMax = SVG.niceCeiling(max(Double(highest), sides.flatMap { Self.applicationLimits($0.run).map(\.value) }.max() ?? 0))
        var out = "<p>The same connections by <code>application_name</code>, stacked in legend order from the bottom: the fleet's instances first, "
            + "so the top of their bands is what the verdict compares with usable; other clients' connections on top "
            + "(usable already leaves them out).</p>\n"
        for (side, bands) in perSide where !bands.isEmpty {
            let counts = side.run.timeline.map { point in
                bands.map { band in point.server.filter { band.applications.contains($0.application) }.reduce(0) { $0 + $1.count } }
            }
            let chart = SVGLineChart(
                id: single ? "chart-applications" : "chart-applications-\(side.name)",
                title: single ? "Server connections by application every 100 ms" : "Server connections by application: \(side.name) (round 1)",
                xLabel: "time into the trial (s)", yLabel: "connections (stacked)",
                series: bands.enumerated().map { i, band in
                    .init(name: "\(band.name), peak \(counts.map { $0[i] }.max() ?? 0)",
                          style: band.fleet ? ReportPalette.application(i) : ReportPalette.otherClients,
                          points: zip(side.run.timeline, counts).map { ChartPoint(x: Self.seconds($0), y: Double($1[i])) })
                },
                thresholds: Self.applicationLimits(side.run), bands: sharedBands, stacked: true,
                yMax: yMax, xMax: timeEnd, height: 280)
            out += "<figure>\n" + chart.render() + "\n</figure>\n"
            let silent = Self.instancesWithoutConnections(side.run)
            if side.run.settings.pooler != nil {
                out += "<p>\(HTML.escape(side.name.prefix(1).uppercased() + side.name.dropFirst())) went through the pooler: a server connection carries the <code>application_name</code> of the client that last used it.</p>\n"
            } else if !silent.isEmpty {
                out += "<p>\(HTML.escape(side.name.prefix(1).uppercased() + side.name.dropFirst())): \(HTML.escape(silent.joined(separator: ", "))) held no connection on the server.</p>\n"
            }
            // One row per 100 ms (per bucket, each band's peak, on a long run).
            let step = Self.tableStep(counts.count)
            let buckets = Dictionary(grouping: zip(side.run.timeline, counts).map { ($0, $1) }) { Self.bucketEnd($0.0.at, step: step) }
            let all = buckets.keys.sorted().map { end in
                let group = buckets[end] ?? []
                return [String(format: "%.1f", Double(end) / 1000)] + bands.indices.map { i in "\(group.map { $0.1[i] }.max() ?? 0)" }
            }
            // Most counts hold for seconds (a pool keeps its connections): a row where one changed.
            let rows = all.enumerated().filter { i, row in i == 0 || i == all.count - 1 || row.dropFirst() != all[i - 1].dropFirst() }.map(\.element)
            let per = step == 100 ? "per 100 ms" : "peak per \(Self.stepText(step))"
            let held = "Only the rows where a count changed: each count holds until the next row."
            out += HTML.dataTable(single ? "Data: connections by application \(per)" : "Data: \(side.name) connections by application \(per)",
                                  ["time (s)"] + bands.map(\.name), rows,
                                  note: step == 100 ? held : Self.bucketNote(step, "each application's highest 100 ms sample") + " " + held)
        }
        return out
    }

    /// The lines on a side's connections-by-application chart: its max_connections, its
    /// usable (the limit for the fleet's bands) and, with other clients, usable plus them
    /// (the limit for the whole stack, before the superuser's reserve).
    static func applicationLimits(_ run: RunResult) -> [SVGLineChart.Threshold] {
        let usable = run.summary.usable > 0 ? run.summary.usable : Derived(run.settings).usable
        let others = run.settings.server.otherClients
        var lines: [SVGLineChart.Threshold] = [
            .init(label: "max_connections \(run.settings.server.maxConnections)", value: Double(run.settings.server.maxConnections), style: ReportPalette.maxConnections),
            .init(label: "usable \(usable) (fleet)", value: Double(usable), style: ReportPalette.usable),
        ]
        if others > 0 {
            lines.append(.init(label: "+ other_clients \(others) = \(usable + others)", value: Double(usable + others), style: ReportPalette.usablePlusOthers))
        }
        return lines
    }

    /// The bands of a run, bottom to top: the fleet's pools (each pool connects with its
    /// own name as `application_name`: `auth-service-3`, `auth-service-3/replica`) in
    /// numeric order, one band each, or one band for all of them past
    /// `maxApplicationBands`; then every other application, one band each, or one band
    /// `other applications` past three.
    static func applicationBands(_ run: RunResult) -> [ApplicationBand] {
        let instances = Set(run.timeline.flatMap { $0.pools.map(\.instance) })
        let names = Set(run.timeline.flatMap { $0.server.map(\.application) })
        func ordered(_ s: Set<String>) -> [String] { s.sorted { $0.compare($1, options: .numeric) == .orderedAscending } }
        let fleet = ordered(names.intersection(instances)), others = ordered(names.subtracting(instances))
        var bands = fleet.count > maxApplicationBands
            ? [ApplicationBand(name: "fleet (\(fleet.count) instances)", applications: Set(fleet), fleet: true)]
            : fleet.map { ApplicationBand(name: $0, applications: [$0], fleet: true) }
        bands += others.count > 3
            ? [ApplicationBand(name: "other applications (\(others.count))", applications: Set(others), fleet: false)]
            : others.map { ApplicationBand(name: $0.isEmpty ? "(no application_name)" : $0, applications: [$0], fleet: false) }
        return bands
    }

    /// The fleet's pools that never showed up in `pg_stat_activity`.
    static func instancesWithoutConnections(_ run: RunResult) -> [String] {
        let seen = Set(run.timeline.flatMap { $0.server.filter { $0.count > 0 }.map(\.application) })
        let instances = Set(run.timeline.flatMap { $0.pools.map(\.instance) })
        return instances.subtracting(seen).sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }
}
