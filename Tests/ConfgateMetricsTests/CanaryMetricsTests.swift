import ConfgateCore
import ConfgateMetrics
import Testing

/// What `canary --listen` serves: the watched server's figures under the names the shipped
/// rules alert on, read back from the text format.
@Suite struct CanaryMetricsTests {
    private func snapshot(fleet: Int, refused: Bool = false) -> CanarySnapshot {
        let samples = (0..<60).map { i in
            CanarySample(at: Double(i), groups: [
                ConnectionGroup(database: "auth", user: "auth", application: "auth-service-1", state: "idle", count: fleet),
                ConnectionGroup(database: "postgres", user: "monitor", application: "confgate-canary", state: "active", count: 1),
            ])
        }
        var probes = stride(from: 0, to: 60, by: 5).map { ProbeResult(at: Double($0), outcome: .ok) }
        if refused { probes[3] = ProbeResult(at: 15, outcome: .refused, sqlState: "53300", message: "sorry, too many clients already") }
        let record = CanaryRecord(samples: samples, limits: [ServerLimits(at: 0, maxConnections: 100, superuserReservedConnections: 3)],
                                  probes: probes, role: "monitor", privileged: true, probeRole: "auth")
        let settings = Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6, maxSurge: 0),
                                server: .init(maxConnections: 100, superuserReservedConnections: 3))
        return CanarySnapshot(record, settings: settings, criteria: .init(applications: ["auth-service"]))
    }

    @Test func theLatestSampleUnderTheRulesNames() {
        let metrics = CanaryMetrics()
        #expect(metrics.exposition().isEmpty, "nothing before the first sample")
        metrics.record(snapshot(fleet: 80))
        let samples = Exposition.parse(metrics.exposition())
        #expect(samples["confgate_connections{datname=\"auth\",usename=\"auth\",application_name=\"auth-service-1\",state=\"idle\"}"] == 80)
        #expect(samples["confgate_connections{datname=\"postgres\",usename=\"monitor\",application_name=\"confgate-canary\",state=\"active\"}"] == 1)
        #expect(samples["confgate_connections_usable"] == 97)
        #expect(samples["confgate_connections_demand{kind=\"steady\"}"] == 90)
        #expect(samples["confgate_connections_demand{kind=\"deploy\"}"] == 90)
        #expect(samples["confgate_headroom"] == 16)
        #expect(samples["confgate_refusals_total"] == 0 && samples["confgate_samples_total"] == 60)
        #expect(samples["confgate_scrape_errors_total"] == 0)
        #expect(samples["confgate_verdict"] == 0)
    }

    @Test func failedScrapesAndTheLogsRefusalsAreCounted() {
        let samples = (0..<60).map { CanarySample(at: Double($0), groups: [ConnectionGroup(application: "auth-service-1", count: 80)]) }
        let url = "http://auth-1:8080/metrics"
        var pool = HikariPoolReading(pool: "auth-1")
        (pool.active, pool.max, pool.timeouts) = (5, 20, 0)
        let scrapes = (0..<10).map { i in i < 3 ? PoolScrape(at: Double(i), url: url, error: "connection refused") : PoolScrape(at: Double(i), url: url, pools: [pool]) }
        var log = ServerLogWatch(file: "/var/log/postgresql/main.log")
        log.read(["[1] FATAL:  sorry, too many clients already"], at: 4)
        let record = CanaryRecord(samples: samples, limits: [ServerLimits(at: 0, maxConnections: 100, superuserReservedConnections: 3)],
                                  probes: [ProbeResult(at: 0, outcome: .ok)], role: "monitor", probeRole: "auth",
                                  scrapeURLs: [url], scrapes: scrapes, log: log)
        let settings = Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6), server: .init(maxConnections: 100, superuserReservedConnections: 3))
        let exposed = Exposition.parse(CanaryMetrics.render(CanarySnapshot(record, settings: settings, criteria: .init(applications: ["auth-service"]))))
        #expect(exposed["confgate_scrape_errors_total"] == 3)
        #expect(exposed["confgate_refusals_total"] == 1, "the log's refusal counts as one")
        #expect(exposed["confgate_verdict"] == 1)
    }

    @Test func aRefusedProbeCountsAndTheVerdictSaysBlocked() {
        let samples = Exposition.parse(CanaryMetrics.render(snapshot(fleet: 80, refused: true)))
        #expect(samples["confgate_refusals_total"] == 1)
        #expect(samples["confgate_verdict"] == 1)
    }
}
