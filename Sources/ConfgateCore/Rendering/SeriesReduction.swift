/// Thins a dense series for drawing without losing what decides a verdict: the points are
/// split into one bucket per horizontal pixel, and each bucket keeps its lowest and its
/// highest point, in time order. A one-interval spike to the connection limit survives any
/// reduction; only points a pixel could not show apart are dropped.
enum SeriesReduction {
    /// `points` sorted by x, reduced to at most two points per bucket over `buckets`
    /// equal slices of the x range. Series already that small come back unchanged.
    static func minMax(_ points: [ChartPoint], buckets: Int) -> [ChartPoint] {
        guard buckets > 0, points.count > 2 * buckets, let first = points.first, let last = points.last,
              last.x > first.x else { return points }
        let span = last.x - first.x
        var out: [ChartPoint] = []
        out.reserveCapacity(2 * buckets)
        var bucket = -1
        var low = first, high = first
        func flush() {
            guard bucket >= 0 else { return }
            if low == high { out.append(low) }
            else if low.x <= high.x { out += [low, high] }
            else { out += [high, low] }
        }
        for point in points {
            let b = min(buckets - 1, Int((point.x - first.x) / span * Double(buckets)))
            if b != bucket {
                flush()
                bucket = b
                low = point
                high = point
            } else {
                if point.y < low.y { low = point }
                if point.y > high.y { high = point }
            }
        }
        flush()
        return out
    }
}

/// One point of a chart's series, in data units.
struct ChartPoint: Hashable, Sendable {
    var x: Double
    var y: Double
}
