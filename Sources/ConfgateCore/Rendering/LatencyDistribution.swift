import Foundation

/// One side's latency distribution for the report, from its recorded histograms: the rounds'
/// `HistogramBuckets` are merged by adding their counts value by value (every round records
/// into the same HDR bucket layout), and percentiles are read from the merged counts. Never
/// an average of per-round percentiles, which is not a percentile of anything.
struct LatencyDistribution: Hashable {
    /// Distinct recorded values (µs), ascending, and the logins at or below each.
    private(set) var values: [UInt64] = []
    private(set) var cumulative: [UInt64] = []

    /// Logins recorded.
    var total: UInt64 { cumulative.last ?? 0 }

    /// The slowest recorded login, µs.
    var max: UInt64 { values.last ?? 0 }

    init(_ histograms: [HistogramBuckets]) {
        var counts: [UInt64: UInt64] = [:]
        for h in histograms {
            for pair in h.buckets where pair.count == 2 && pair[1] > 0 { counts[pair[0], default: 0] += pair[1] }
        }
        var running: UInt64 = 0
        for value in counts.keys.sorted() {
            running += counts[value] ?? 0
            values.append(value)
            cumulative.append(running)
        }
    }

    /// The latency (µs) at `percent` (0…100): the smallest recorded value with at least that
    /// share of logins at or below it, as HdrHistogram reads it.
    func value(atPercent percent: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((percent / 100 * Double(total)).rounded(.up)))
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] >= rank { hi = mid } else { lo = mid + 1 }
        }
        return values[lo]
    }

    /// The highest percentile this many logins can tell apart from the maximum: with n
    /// logins, `1 − 1/n` (HdrHistogram draws the maximum there).
    var resolvablePercent: Double { total > 1 ? 100 * (1 - 1 / Double(total)) : 0 }

    /// The percentiles every distribution chart and table is read at: ten per decade of
    /// `1/(1−p)` (0%, 20.6%, 36.9%, … 99.99%) and the usual ones (50, 75, 90, 95, 99, 99.5,
    /// 99.9, 99.99), up to `1/(1−p) = 10^decades`.
    static func levels(decades: Int) -> [Double] {
        let grid = (0...(10 * decades)).map { 100 * (1 - pow(10, -Double($0) / 10)) }
        let usual = [50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 99.9999].filter { $0 <= 100 * (1 - pow(10, -Double(decades))) + 1e-9 }
        // A grid level that reads as a usual one (49.9% as `50%`) gives way to it.
        var byLabel: [String: Double] = [:]
        for p in grid { byLabel[percentLabel(p)] = p }
        for p in usual { byLabel[percentLabel(p)] = p }
        return byLabel.values.sorted()
    }

    /// `99.9%`, `50%`, `87%`, `99.98%`: a percentile level with two significant digits of
    /// what lies above it (`100 − p`), trailing zeros dropped.
    static func percentLabel(_ p: Double) -> String {
        let rest = Swift.max(100 - p, 1e-9)
        let decimals = Swift.max(0, Int(ceil(-log10(rest))) + 1)
        var text = String(format: "%.\(decimals)f", p)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text + "%"
    }
}
