import Foundation

/// The pooler tier in the report (issue #15): per side whose first round went through a
/// pooler, a chart of PgBouncer's pool for the fleet every 100 ms — clients connected and
/// waiting against the client capacity, server connections held and active against the
/// server pools — with a caption that says what it shows, the pooler's refusals, and the
/// data table. Sides without pooler samples draw nothing, so a result without a pooler
/// renders exactly as before.
enum ReportPooler {
    /// One side's figures for the chart and the caption, from its first round.
    struct Side {
        var name: String
        var run: RunResult
        var tier: Derived.PoolerTier
        var usable: Int
        var samples: [(at: Double, sample: PoolerSample)]

        init?(name: String, run: RunResult, derived: Derived) {
            guard let tier = derived.pooler else { return nil }
            samples = run.timeline.compactMap { p in p.pooler.map { (ReportTimelines.seconds(p), $0) } }
            guard !samples.isEmpty else { return nil }
            self.name = name
            self.run = run
            self.tier = tier
            usable = run.summary.usable > 0 ? run.summary.usable : derived.usable
        }

        var peakWaiting: Int { samples.map(\.sample.clientWaiting).max() ?? 0 }
        var peakClients: Int { samples.map { $0.sample.clientActive + $0.sample.clientWaiting }.max() ?? 0 }
        var peakServer: Int { samples.map(\.sample.serverConnections).max() ?? 0 }
        var peakServerActive: Int { samples.map(\.sample.serverActive).max() ?? 0 }
        var longestWait: Int64 { samples.map(\.sample.maxWait).max() ?? 0 }
    }

    /// The sides of a verify result whose first round has pooler samples.
    static func sides(_ r: VerifyResult) -> [Side] {
        [("current", r.current), ("proposed", r.proposed)].compactMap { name, side in
            side.runs.first.flatMap { Side(name: name, run: $0, derived: side.derived) }
        }
    }

    /// Whether `run` went through a pooler and sampled it.
    static func side(_ run: RunResult, name: String) -> Side? {
        Side(name: name, run: run, derived: Derived(run.settings))
    }

    static let intro = """
        <p>PgBouncer's pool for the fleet (<code>SHOW POOLS</code>) every 100 ms: the fleet's pools are the \
        pooler's clients, and only its server connections reach PostgreSQL. <em>Clients connected</em> \
        (active + waiting) meet the client capacity (pooler instances × max_client_conn): past it the pooler \
        refuses new connections (max_client_conn). <em>Clients waiting</em> are queued in the pooler for a \
        server connection; <em>server connections</em> (active, idle and opening) stay within the server \
        pools (instances × (default_pool_size + reserve_pool_size)). Shaded bands are the load's phases.</p>

        """

    /// The section's body: a chart, its caption and its data per side, on one y scale.
    static func render(_ sides: [Side], timelines: ReportTimelines) -> String {
        guard !sides.isEmpty else { return "" }
        let highest = sides.flatMap { s in
            [s.peakClients, s.peakServer, s.tier.clientCapacity, s.tier.serverConnections]
                + (s.tier.serverConnections > s.usable ? [s.usable] : [])
        }.max() ?? 0
        let yMax = SVG.niceCeiling(Double(highest))
        var out = intro
        for side in sides {
            out += "<figure>\n" + chart(side, timelines: timelines, yMax: yMax).render() + "\n"
            out += "<figcaption>\(HTML.escape(caption(side)))</figcaption>\n</figure>\n"
            if let refusals = refusals(side.run.summary) {
                out += "<p><strong>\(HTML.escape(timelines.single ? refusals : side.name.capitalized + ": " + refusals))</strong></p>\n"
            }
            // One row per 100 ms; on a long run one per bucket, each column its peak.
            let step = ReportTimelines.tableStep(side.samples.count)
            let buckets = Dictionary(grouping: side.samples) { ReportTimelines.bucketEnd(Int64(($0.at * 1000).rounded()), step: step) }
            let rows = buckets.keys.sorted().map { end in
                let inBucket = (buckets[end] ?? []).map(\.sample)
                func peak(_ value: (PoolerSample) -> Int) -> Int { inBucket.map(value).max() ?? 0 }
                return [String(format: "%.1f", Double(end) / 1000), "\(peak(\.clientActive))", "\(peak(\.clientWaiting))", "\(peak(\.serverActive))",
                        "\(peak(\.serverIdle))", "\(peak(\.serverLogin))", String(format: "%.1f", Double(inBucket.map(\.maxWait).max() ?? 0) / 1000)]
            }
            let per = step == 100 ? "per 100 ms" : "peaks per \(ReportTimelines.stepText(step))"
            out += HTML.dataTable(timelines.single ? "Data: pooler \(per)" : "Data: \(side.name) pooler \(per)",
                                  ["time (s)", "clients active", "clients waiting", "server active", "server idle", "server opening", "longest wait (ms)"], rows,
                                  note: step == 100 ? nil : ReportTimelines.bucketNote(step, "the highest of its 100 ms samples in each column"))
        }
        return out
    }

    /// One side's chart: four lines, the pooler's limits as reference lines.
    static func chart(_ side: Side, timelines: ReportTimelines, yMax: Double) -> SVGLineChart {
        func line(_ name: String, _ style: LineStyle, peak: Bool = false, _ value: (PoolerSample) -> Int) -> SVGLineChart.Series {
            .init(name: name, style: style, points: side.samples.map { ChartPoint(x: $0.at, y: Double(value($0.sample))) }, markPeak: peak)
        }
        var thresholds: [SVGLineChart.Threshold] = [
            .init(label: "client capacity \(side.tier.clientCapacity)", value: Double(side.tier.clientCapacity), style: ReportPalette.clientCapacity),
            .init(label: "server pools \(side.tier.serverConnections)", value: Double(side.tier.serverConnections), style: ReportPalette.serverPools),
        ]
        // Usable matters to the pooler only when its server pools could reach past it.
        if side.tier.serverConnections > side.usable {
            thresholds.append(.init(label: "usable \(side.usable)", value: Double(side.usable), style: ReportPalette.usable))
        }
        let single = timelines.single
        return SVGLineChart(
            id: single ? "chart-pooler" : "chart-pooler-\(side.name)",
            title: single ? "Pooler (PgBouncer) every 100 ms" : "Pooler (PgBouncer) every 100 ms: \(side.name) (round 1)",
            xLabel: "time into the trial (s)", yLabel: "connections to or from the pooler",
            series: [
                line("clients connected (active + waiting)", ReportPalette.poolerClients, peak: true) { $0.clientActive + $0.clientWaiting },
                line("clients waiting", ReportPalette.poolerWaiting, peak: true) { $0.clientWaiting },
                line("server connections (active + idle + opening)", ReportPalette.poolerServer, peak: true) { $0.serverConnections },
                line("server connections active", ReportPalette.poolerServerActive) { $0.serverActive },
            ],
            thresholds: thresholds, bands: timelines.sharedBands, yMax: yMax, xMax: timelines.timeEnd)
    }

    /// What the chart shows, in words: `Up to 118 clients waited for 2 server connections …`.
    static func caption(_ side: Side) -> String {
        let t = side.tier
        var parts: [String] = []
        let waiting = side.peakWaiting, held = side.peakServer
        if waiting > 0 {
            parts.append("Up to \(waiting) client\(plural(waiting)) waited in the pooler for \(held) server connection\(plural(held)) (server pools \(t.serverConnections)); the longest wait was \(wait(side.longestWait))")
        } else {
            parts.append("No client waited in the pooler: at most \(held) server connection\(plural(held)) of \(t.serverConnections) served the fleet")
        }
        let clients = side.peakClients
        var clientPart = "clients connected peaked at \(clients) of a capacity of \(t.clientCapacity)"
        if clients >= t.clientCapacity { clientPart += ", at the limit: the pooler refuses more (max_client_conn)" }
        parts.append(clientPart)
        if held > side.usable { parts.append("server connections reached past usable \(side.usable)") }
        return parts.joined(separator: "; ") + "."
    }

    /// The pooler's refusals of one run, worded as the pooler's, or `nil` when there were none:
    /// `pool connection attempts refused by the pooler (max_client_conn): 14; logins …`.
    static func refusals(_ s: RunSummary) -> String? {
        var parts: [String] = []
        for refusal in PoolerRefusal.allCases {
            if let n = s.connectFailures[refusal.rawValue], n > 0 {
                parts.append("pool connection attempts refused by the pooler (\(refusal.rawValue)): \(n)")
            }
        }
        let refused = s.count(.poolerRefused), dropped = s.count(.poolerTimeout)
        if refused > 0 { parts.append("logins refused by the pooler (pooler_refused): \(refused)") }
        if dropped > 0 { parts.append("logins dropped by the pooler after query_wait_timeout (pooler_timeout): \(dropped)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Keys of `connectFailures` that are a pooler's reasons rather than a server's SQLSTATE.
    static let poolerKeys = Set(PoolerRefusal.allCases.map(\.rawValue))

    /// `connectFailures` split into the server's (by SQLSTATE) and the pooler's (by reason).
    static func split(_ failures: [String: Int]) -> (server: [String: Int], pooler: [String: Int]) {
        (failures.filter { !poolerKeys.contains($0.key) }, failures.filter { poolerKeys.contains($0.key) })
    }

    /// `max_client_conn ×14, query_wait_timeout ×2`.
    static func list(_ failures: [String: Int]) -> String {
        failures.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    }

    /// The tier's arithmetic for a settings table:
    /// `pooler client capacity 200 (1 × max_client_conn 200) for steady demand 100 and deploy demand 120; …`.
    static func tierText(_ settings: Settings, _ d: Derived) -> String? {
        guard let p = settings.pooler, let t = d.pooler else { return nil }
        let per = p.reservePoolSize > 0 ? "default_pool_size \(p.defaultPoolSize) + reserve_pool_size \(p.reservePoolSize)" : "default_pool_size \(p.defaultPoolSize)"
        let capped = p.serverConnectionsPerInstance < p.defaultPoolSize + p.reservePoolSize ? ", capped at \(p.serverConnectionsPerInstance)" : ""
        return "through the pooler (\(p.kind.rawValue), \(p.poolMode.rawValue) mode): client capacity \(t.clientCapacity) "
            + "(\(p.instances) × max_client_conn \(p.maxClientConn)) for steady demand \(d.steadyDemand) and deploy demand \(d.deployDemand); "
            + "pooler server connections \(t.serverConnections) (\(p.instances) × \(per)\(capped)) of usable \(d.usable)"
    }

    static func plural(_ n: Int) -> String { n == 1 ? "" : "s" }

    /// `2.9 s`, `375 ms`.
    static func wait(_ micros: Int64) -> String {
        micros >= 1_000_000 ? String(format: "%.1f s", Double(micros) / 1e6) : "\(micros / 1000) ms"
    }
}
