import Foundation

/// Whether the proposed side's latency percentile is worse than the current side's by more
/// than the tolerance, judged across trials (design §5.4; the method is in docs/verdict.md).
///
/// Each round runs both sides on identical traffic, so rounds pair up. For each round the
/// ratio proposed/current of the percentile is taken on a log scale; the estimate is their
/// geometric mean, and the interval a one-sided Student t lower bound at `confidence` over
/// the rounds' log ratios. The change regresses only when even that lower bound exceeds
/// 1 + tolerance: a noisy round widens the interval instead of deciding the verdict.
/// With a single round (`--quick`) there is no spread across rounds to measure, so the
/// interval comes from a bootstrap of the logins within that round instead.
public struct LatencyComparison: Hashable, Sendable, Codable {
    /// `p50` or `p99`.
    public var metric: String
    /// Per-round values in µs, current side.
    public var current: [Int64]
    /// Per-round values in µs, proposed side.
    public var proposed: [Int64]
    /// Point estimate of proposed/current (geometric mean over rounds).
    public var ratio: Double
    /// One-sided lower and upper confidence bounds of the ratio.
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    public var tolerance: Double
    /// How the interval was made: `t over N rounds` or `bootstrap within 1 round`.
    public var method: String

    /// False when this comparison is reported but may not block: a tail percentile (p99)
    /// measured in a single round, which one stall of the machine decides.
    public var decides: Bool = true

    /// Why it does not decide, for the reader (`one round's tail`, `the machine was busy (lag
    /// p99 8 ms)`); `nil` when it decides.
    public var notJudgedBecause: String?

    /// True when the comparison decides and its lower bound exceeds 1 + tolerance.
    public var regressed: Bool { decides && lower > 1 + tolerance }

    /// The smallest regression this run would have blocked (a ratio: 1.14 is +14%), from its
    /// own spread: with probability `power` across rounds (the t test's power against a true
    /// ratio), at the point estimate within one round. `nil` when the comparison does not
    /// decide. A reader of a PASS learns from it what kind of run it was.
    public var detectable: Double?

    /// The power at which `detectable` is stated across rounds.
    public static let power = 0.8

    /// `could detect ≥ +14%`, or nothing when the comparison does not decide.
    public var detectableText: String? {
        detectable.map { "could detect ≥ +\(Int((($0 - 1) * 100 - 1e-9).rounded(.up)))%" }
    }

    /// Whether the run could only catch regressions more than twice the tolerance: too noisy
    /// to judge within it (reported as a warning, never a silent pass).
    public var tooNoisy: Bool {
        guard let detectable else { return false }
        return detectable - 1 > 2 * tolerance
    }

    /// Compares paired per-round percentiles. `current` and `proposed` must have the same
    /// count ≥ 1; for a single round pass the two rounds' histograms for the bootstrap.
    public static func compare(
        metric: String, percentile: Double,
        current: [Int64], proposed: [Int64],
        currentHistograms: [HistogramBuckets] = [], proposedHistograms: [HistogramBuckets] = [],
        tolerance: Double, confidence: Double, seed: UInt64 = 1
    ) -> LatencyComparison {
        precondition(current.count == proposed.count && !current.isEmpty)
        let logs = zip(current, proposed).map { log(Double(max($1, 1)) / Double(max($0, 1))) }
        let n = logs.count
        let mean = logs.reduce(0, +) / Double(n)
        var result = LatencyComparison(
            metric: metric, current: current, proposed: proposed, ratio: exp(mean),
            lower: exp(mean), upper: exp(mean), confidence: confidence, tolerance: tolerance, method: "")
        if n >= 2 {
            let variance = logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            let half = Quantiles.t(confidence, df: n - 1) * (variance / Double(n)).squareRoot()
            result.lower = exp(mean - half)
            result.upper = exp(mean + half)
            result.method = "t over \(n) rounds"
            // Blocks when mean − t(conf)·se > log(1 + tol); a true log ratio δ does so with
            // probability `power` when δ ≥ log(1 + tol) + (t(conf) + t(power))·se.
            let se = (variance / Double(n)).squareRoot()
            result.detectable = (1 + tolerance) * exp((Quantiles.t(confidence, df: n - 1) + Quantiles.t(power, df: n - 1)) * se)
        } else if let a = currentHistograms.first, let b = proposedHistograms.first {
            let bounds = bootstrap(a, b, percentile: percentile, confidence: confidence, seed: seed)
            // The bootstrap sees only the sampling noise of logins within the round, not how
            // much a whole run moves from one run to the next on a busy machine; widen the
            // interval by that run-to-run allowance so identical settings never block.
            result.lower = bounds.lower / singleRoundAllowance
            result.upper = bounds.upper * singleRoundAllowance
            result.method = "bootstrap within 1 round, ×\(formatAllowance) run-to-run allowance"
            // Blocks when lower > 1 + tol, and lower scales with the true ratio.
            result.detectable = (1 + tolerance) * result.ratio / max(result.lower, .leastNonzeroMagnitude)
            if percentile > 50 {
                // A tail percentile of one short run is set by its few slowest logins, and one
                // stall of the machine (another job's burst of CPU) makes them: an A/A --quick
                // run measured p99 ×64 with nothing changed. Across rounds the t interval sees
                // such a round as spread; within one round nothing can, so only p50 decides.
                result.decides = false
                result.detectable = nil
                result.notJudgedBecause = "one round's tail"
                result.method += "; one round's tail is set by single stalls of the machine: reported, not judged"
            }
        } else {
            result.method = "single round, no interval"
            // Without any interval, be conservative: never block on a point estimate alone.
            result.lower = min(result.lower, 1)
        }
        return result
    }

    /// How far a percentile of one run may move against another run of identical settings,
    /// as a ratio, beyond the within-run sampling noise the bootstrap measures. Measured on
    /// the 2-core CI machine with other work running: A/A `--quick` runs gave p99 ratios from
    /// ×0.66 to ×1.68, with bootstrap bounds that excluded 1 (a stall of the machine delays
    /// a burst of logins together, which a resampling of independent logins cannot see).
    /// With one round there is no spread across rounds to measure this, so the single-round
    /// interval is widened by this factor on both sides.
    public static let singleRoundAllowance = 2.0

    private static var formatAllowance: String {
        singleRoundAllowance == singleRoundAllowance.rounded() ? String(Int(singleRoundAllowance)) : String(singleRoundAllowance)
    }

    /// Percentile-bootstrap interval for the ratio of a percentile between two samples.
    static func bootstrap(
        _ current: HistogramBuckets, _ proposed: HistogramBuckets,
        percentile: Double, confidence: Double, seed: UInt64, resamples: Int = 200
    ) -> (lower: Double, upper: Double) {
        var rng = SeededGenerator(seed: seed)
        let a = Sample(current), b = Sample(proposed)
        guard a.total > 0, b.total > 0 else { return (1, 1) }
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let pa = a.resampledPercentile(percentile, using: &rng)
            let pb = b.resampledPercentile(percentile, using: &rng)
            ratios.append(Double(max(pb, 1)) / Double(max(pa, 1)))
        }
        ratios.sort()
        let lowIndex = Int((1 - confidence) * Double(resamples))
        let highIndex = min(resamples - 1, Int(confidence * Double(resamples)))
        return (ratios[lowIndex], ratios[highIndex])
    }

    /// A sample held as cumulative bucket counts, for resampling without expanding it.
    private struct Sample {
        var values: [UInt64] = []
        var cumulative: [UInt64] = []
        var total: UInt64 = 0

        init(_ buckets: HistogramBuckets) {
            for pair in buckets.buckets where pair.count == 2 && pair[1] > 0 {
                total += pair[1]
                values.append(pair[0])
                cumulative.append(total)
            }
        }

        /// Draws `total` logins with replacement and returns the percentile of the draw,
        /// by counting draws per bucket (a multinomial draw, bucket by bucket).
        func resampledPercentile(_ percentile: Double, using rng: inout SeededGenerator) -> UInt64 {
            let draws = Int(min(total, 20_000))
            var counts = [Int](repeating: 0, count: values.count)
            for _ in 0..<draws {
                let r = rng.next() % total
                var lo = 0, hi = cumulative.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
                }
                counts[lo] += 1
            }
            let rank = Int((percentile / 100 * Double(draws)).rounded(.up))
            var seen = 0
            for (i, c) in counts.enumerated() {
                seen += c
                if seen >= max(rank, 1) { return values[i] }
            }
            return values.last ?? 0
        }
    }
}
