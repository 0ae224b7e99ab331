import Foundation

/// The report's "Pools" section: each instance's pool in a side's first round — its peak
/// active, idle and waiting, and a small sparkline of active + waiting over time against its
/// max_size — so an instance that ran dry (or never started) stands out of the fleet.
enum ReportPools {
    /// One instance's pool over a run.
    struct Instance: Equatable {
        var name: String
        var peakActive: Int
        var peakIdle: Int
        var peakWaiting: Int
        var peakTotal: Int
        /// (seconds, active + waiting) every 100 ms.
        var busy: [ChartPoint]
    }

    /// The instances of `run`, in name order (`auth-service-2` before `auth-service-10`).
    static func instances(_ run: RunResult) -> [Instance] {
        var byName: [String: Instance] = [:]
        for point in run.timeline {
            for pool in point.pools {
                var i = byName[pool.instance] ?? Instance(name: pool.instance, peakActive: 0, peakIdle: 0, peakWaiting: 0, peakTotal: 0, busy: [])
                i.peakActive = max(i.peakActive, pool.active)
                i.peakIdle = max(i.peakIdle, pool.idle)
                i.peakWaiting = max(i.peakWaiting, pool.pending)
                i.peakTotal = max(i.peakTotal, pool.total)
                i.busy.append(ChartPoint(x: Double(point.at) / 1000, y: Double(pool.active + pool.pending)))
                byName[pool.instance] = i
            }
        }
        return byName.values.sorted { $0.name.compare($1.name, options: .numeric) == .orderedAscending }
    }

    /// The `max_size` of the pool a sample names: `auth-service-3` is the main pool,
    /// `auth-service-3/replica` the named pool `[pool.replica]`.
    static func maxSize(of instance: String, in settings: Settings) -> Int {
        guard let slash = instance.lastIndex(of: "/") else { return settings.pool.maxSize }
        return settings.namedPool(String(instance[instance.index(after: slash)...]))?.maxSize ?? settings.pool.maxSize
    }

    /// The section: per side, a table of its instances with their sparklines.
    static func render(_ sides: [(name: String, run: RunResult)]) -> String {
        var out = "<p>Each instance's pool in round 1: the most connections it had in use (<em>active</em>), held idle, and the most logins waiting for one. The sparkline is active + waiting every 100 ms, from 0 to the pool's max_size (the dashed line) or its peak when higher; above the line, logins queue.</p>\n"
        for side in sides {
            let instances = instances(side.run)
            guard !instances.isEmpty else {
                out += "<p>\(HTML.escape(side.name.capitalized)): no pool samples.</p>\n"
                continue
            }
            let rows = instances.map { i in
                let size = maxSize(of: i.name, in: side.run.settings)
                return [i.name, "\(i.peakActive)", "\(i.peakIdle)", "\(i.peakWaiting)", "\(i.peakTotal) of \(size)",
                        sparkline(i, maxSize: size, side: side.name)]
            }
            out += "<h3>\(HTML.escape(side.name.capitalized))</h3>\n"
            out += HTML.table(["pool", "peak active", "peak idle", "peak waiting", "peak open", "active + waiting over time"],
                              rows, numeric: [1, 2, 3, 4], markup: [5])
        }
        return out
    }

    /// A 160 × 28 line of `i.busy` from 0 to its max_size (or its peak, when higher), with
    /// `maxSize` dashed.
    static func sparkline(_ i: Instance, maxSize: Int, side: String) -> String {
        let w = 160.0, h = 28.0
        let top = max(maxSize, Int(i.busy.map(\.y).max() ?? 0), 1)
        let x0 = i.busy.first?.x ?? 0, x1 = max(i.busy.last?.x ?? 1, x0 + 0.1)
        func px(_ x: Double) -> Double { (x - x0) / (x1 - x0) * (w - 2) + 1 }
        func py(_ y: Double) -> Double { h - 1 - min(y, Double(top)) / Double(top) * (h - 2) }
        let points = SeriesReduction.minMax(i.busy, buckets: Int(w))
        let d = points.isEmpty ? "" : "M" + SVG.path(points.map { (px($0.x), py($0.y)) })
        let limit = SVG.number(py(Double(maxSize)))
        return "<svg width=\"160\" height=\"28\" viewBox=\"0 0 160 28\" role=\"img\"><title>\(HTML.escape("\(side) \(i.name): active + waiting, peak \(i.peakActive + i.peakWaiting) of max_size \(maxSize)"))</title>"
            + "<line x1=\"0\" y1=\"\(limit)\" x2=\"160\" y2=\"\(limit)\" stroke=\"#000000\" stroke-width=\"1\" stroke-dasharray=\"3 2\"/>"
            + (d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"1.5\"/>")
            + "</svg>"
    }
}
