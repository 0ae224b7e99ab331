import Histogram

/// hdrhistogram-swift's type; named so it cannot be confused with other `Histogram`s.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    /// A histogram for latencies in microseconds, from 1 µs to 1 hour, 3 significant digits.
    public static func latency() -> LatencyHistogram {
        LatencyHistogram(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// Percentiles of a latency distribution, in microseconds.
public struct LatencySummary: Hashable, Sendable, Codable {
    public var count: Int
    public var p50: Int64
    public var p90: Int64
    public var p99: Int64
    public var p999: Int64
    public var max: Int64

    public init(count: Int = 0, p50: Int64 = 0, p90: Int64 = 0, p99: Int64 = 0, p999: Int64 = 0, max: Int64 = 0) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }

    public init(_ histogram: LatencyHistogram) {
        guard histogram.totalCount > 0 else { self.init(); return }
        self.init(
            count: Int(histogram.totalCount),
            p50: Int64(histogram.valueAtPercentile(50)),
            p90: Int64(histogram.valueAtPercentile(90)),
            p99: Int64(histogram.valueAtPercentile(99)),
            p999: Int64(histogram.valueAtPercentile(99.9)),
            max: Int64(histogram.max)
        )
    }
}

/// The latency of one phase's measured logins (`steady`, `spike`, `deploy`).
public struct PhaseLatency: Hashable, Sendable, Codable {
    public var phase: Phase
    public var latency: LatencySummary

    public init(phase: Phase, latency: LatencySummary) {
        self.phase = phase
        self.latency = latency
    }
}

/// A histogram kept compactly for JSON: each distinct recorded value with its count.
public struct HistogramBuckets: Hashable, Sendable, Codable {
    /// `[value µs, count]` pairs, ascending by value.
    public var buckets: [[UInt64]]

    public init(_ histogram: LatencyHistogram) {
        buckets = histogram.recordedValues().map { [$0.value, $0.count] }
    }

    public init(buckets: [[UInt64]]) { self.buckets = buckets }

    /// The histogram again (values are bucket-representative, as HDR keeps them).
    public var histogram: LatencyHistogram {
        var h = LatencyHistogram.latency()
        for pair in buckets where pair.count == 2 { _ = h.record(pair[0], count: pair[1]) }
        return h
    }
}
