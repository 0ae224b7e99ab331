import ConfgateCore
import Prometheus
import Synchronization

/// What `confgate canary --listen` serves: the watched server's figures as the canary sees them
/// after each sample, under the names `monitoring/confgate.rules.yml` alerts on:
/// `confgate_connections{datname,usename,application_name,state}`, `confgate_connections_usable`,
/// `confgate_connections_demand{kind="steady|deploy"}`, `confgate_headroom`,
/// `confgate_refusals_total` (refused probes and the server log's refusals),
/// `confgate_samples_total`, `confgate_scrape_errors_total` (failed `--scrape`s) and
/// `confgate_verdict` (the exit code the canary would give if it stopped now: 0, 1 or 3).
public final class CanaryMetrics: Sendable {
    private let latest = Mutex<CanarySnapshot?>(nil)

    public init() {}

    /// The canary's figures after its latest sample or probe.
    public func record(_ snapshot: CanarySnapshot) {
        latest.withLock { $0 = snapshot }
    }

    /// The Prometheus text format of the latest figures; empty before the first sample.
    public func exposition() -> String {
        latest.withLock { $0 }.map(Self.render) ?? ""
    }

    /// Renders `snapshot` with swift-prometheus, in a registry of its own.
    public static func render(_ snapshot: CanarySnapshot) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ value: Int) {
            registry.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels).set(Int64(value))
        }
        func counter(_ name: String, _ help: String, _ value: Int) {
            registry.makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: []).increment(by: Int64(value))
        }
        // One series per group of the latest sample, as postgres_exporter labels pg_stat_activity.
        var groups: [[String]: Int] = [:]
        for g in snapshot.connections where g.backendType == "client backend" || g.backendType.isEmpty {
            groups[[g.database, g.user, g.application, g.state], default: 0] += g.count
        }
        for (labels, count) in groups.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            gauge("confgate_connections", "Client connections on the watched server (pg_stat_activity), by database, user, application and state",
                  [("datname", labels[0]), ("usename", labels[1]), ("application_name", labels[2]), ("state", labels[3])], count)
        }
        if let usable = snapshot.usable {
            gauge("confgate_connections_usable", "Connections ordinary roles may hold: max_connections minus reserved slots", [], usable)
        }
        gauge("confgate_connections_demand", "The fleet's declared demand: instances x processes x max_size", [("kind", "steady")], snapshot.steadyDemand)
        gauge("confgate_connections_demand", "The fleet's declared demand: instances x processes x max_size", [("kind", "deploy")], snapshot.deployDemand)
        if let headroom = snapshot.headroom {
            gauge("confgate_headroom", "Usable minus the connections of the latest sample", [], headroom)
        }
        counter("confgate_refusals_total", "Refused connection attempts seen (the canary's probe refused with SQLSTATE 53300, refusals in the server log)", snapshot.refusals)
        counter("confgate_samples_total", "Samples of pg_stat_activity taken", snapshot.samples)
        counter("confgate_scrape_errors_total", "Failed scrapes of the services' own metrics pages (--scrape): unreachable, HTTP errors, not metrics", snapshot.scrapeErrors)
        gauge("confgate_verdict", "The exit code the canary would give now: 0 pass, 1 blocked, 3 inconclusive", [], Int(snapshot.decision.exitCode))
        return registry.emitToString()
    }
}
