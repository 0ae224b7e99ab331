import ConfgateCore
import ConfgateMetrics
import Testing

/// The names, labels and values `run --listen` serves, read back from the text format.
@Suite struct RunMetricsTests {
    static func pool(_ name: String) -> RunMetrics.PoolReading {
        var p = RunMetrics.PoolReading(name: name)
        (p.total, p.active, p.idle, p.pending, p.maxSize, p.minIdle) = (20, 3, 17, 2, 20, 20)
        (p.timeouts, p.acquires, p.acquireSeconds, p.acquireMaxSeconds) = (4, 1000, 0.25, 0.002)
        return p
    }

    @Test func poolsUseHikariCPsMicrometerNamesAndThePoolLabel() {
        var snapshot = RunMetrics.Snapshot()
        snapshot.pools = [Self.pool("auth-service-1"), Self.pool("auth-service-2")]
        let samples = Exposition.parse(RunMetrics.render(snapshot))
        for pool in ["auth-service-1", "auth-service-2"] {
            let l = "{pool=\"\(pool)\"}"
            #expect(samples["hikaricp_connections\(l)"] == 20)
            #expect(samples["hikaricp_connections_active\(l)"] == 3)
            #expect(samples["hikaricp_connections_idle\(l)"] == 17)
            #expect(samples["hikaricp_connections_pending\(l)"] == 2)
            #expect(samples["hikaricp_connections_max\(l)"] == 20)
            #expect(samples["hikaricp_connections_min\(l)"] == 20)
            #expect(samples["hikaricp_connections_timeout_total\(l)"] == 4)
            #expect(samples["hikaricp_connections_acquire_seconds_count\(l)"] == 1000)
            #expect(samples["hikaricp_connections_acquire_seconds_sum\(l)"] == 0.25)
            #expect(samples["hikaricp_connections_acquire_seconds_max\(l)"] == 0.002)
        }
        #expect(samples["confgate_refusals_total"] == 0)
        #expect(samples["confgate_connections_usable"] == nil, "no usable before the server is up")
    }

    @Test func theServerAndLoginsComeFromTheTimeline() {
        let metrics = RunMetrics()
        metrics.attach(usable: 97, pools: { [Self.pool("auth-service-1")] }, refusals: { 12 })
        let refused = Outcome(.connectFailed, sqlState: "53300")
        metrics.record(TimelinePoint(at: 100, phase: .steady, outcomes: OutcomeCounts([.ok: 30, refused: 2]),
                                     server: [ServerSample(application: "auth-service-1", state: "idle", count: 60)]))
        metrics.record(TimelinePoint(at: 200, phase: .steady, outcomes: OutcomeCounts([.ok: 10]),
                                     server: [ServerSample(application: "auth-service-1", state: "idle", count: 90),
                                              ServerSample(application: "auth-service-1", state: "active", count: 7)]))
        let samples = Exposition.parse(metrics.exposition())
        #expect(samples[#"confgate_connections{application_name="auth-service-1",state="idle"}"#] == 90)
        #expect(samples[#"confgate_connections{application_name="auth-service-1",state="active"}"#] == 7)
        #expect(samples["confgate_connections_usable"] == 97)
        #expect(samples["confgate_refusals_total"] == 12)
        #expect(samples[#"confgate_logins_total{outcome="ok",sqlstate=""}"#] == 40)
        #expect(samples[#"confgate_logins_total{outcome="connect_failed",sqlstate="53300"}"#] == 2)
        #expect(samples[#"hikaricp_connections_max{pool="auth-service-1"}"#] == 20)
    }

    @Test func everyFamilyHasATypeLine() {
        var snapshot = RunMetrics.Snapshot()
        snapshot.pools = [Self.pool("auth-service-1")]
        snapshot.usable = 97
        let text = RunMetrics.render(snapshot)
        #expect(text.contains("# TYPE hikaricp_connections_timeout_total counter"))
        #expect(text.contains("# TYPE hikaricp_connections_active gauge"))
        #expect(text.contains("# TYPE confgate_connections_usable gauge"))
    }
}

/// Samples of the Prometheus text format by `name{labels}` as written (labels in order).
enum Exposition {
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
