import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus server scraping `confgate run --listen` (issue #14, "tested for real"):
/// the rehearsal docs/monitoring.md describes, with Prometheus' own scraper and query API
/// rather than our parser. In the serialized run/verify suite: it starts a scratch server and
/// a fleet too.
extension RunVerifyCommandTests {
    @Test func aRealPrometheusScrapesTheOutagesPoolsFromRunListen() async throws {
        guard let prometheus = Self.onPath("prometheus") else {
            Issue.record("prometheus is not on PATH: install Debian's `prometheus` package (.ci/run installs it when missing)")
            return
        }
        try await withTemporaryDirectory { dir in
            // The run outlasts the test, which stops it with Ctrl-C's SIGINT once Prometheus has seen it.
            let run = try Self.start(ConfgateRunner.binary.path, [
                "run", "--settings", "fixtures/outage.conf", "--deploy", "off", "--listen", "127.0.0.1:0",
                "--duration", "120s", "--warmup", "1s", "--spike", "off", "--users", "500",
            ], output: dir + "/run")
            var children: [Int32] = []
            try await Self.stopping(run, with: SIGINT, output: dir + "/run") {
                var target: String?
                _ = await eventually(within: .seconds(30)) {
                    target = Self.read(dir + "/run.stderr")
                        .firstMatch(of: /serving metrics at http:\/\/(127\.0\.0\.1:\d+)\/metrics/).map { String($0.1) }
                    return target != nil || !run.isRunning
                }
                let runTarget = try #require(target, "no address on the run's stderr: \(Self.read(dir + "/run.stderr"))")

                let port = try Self.freeLoopbackPort()
                try Self.scrapeConfig(target: runTarget).write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
                let server = try Self.start(prometheus, [
                    "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/tsdb",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                ], output: dir + "/prometheus")
                try await Self.stopping(server, with: SIGTERM, output: dir + "/prometheus") {
                    let api = "http://127.0.0.1:\(port)/api/v1"
                    // Poll Prometheus' own view until the five pools that start are stored (the
                    // sixth's first connection is refused and its pool fails to start).
                    var max: [String: Double] = [:], active: [String: Double] = [:], usable: [String: Double] = [:]
                    var rules: [String: [String]] = [:], alerts: [String: Double] = [:]
                    let deadline = ContinuousClock.now + .seconds(60)
                    while ContinuousClock.now < deadline, server.isRunning, run.isRunning {
                        max = await Self.query(api, "hikaricp_connections_max", by: "pool")
                        active = await Self.query(api, "hikaricp_connections_active", by: "pool")
                        usable = await Self.query(api, "confgate_connections_usable", by: "job")
                        rules = await Self.ruleHealth(api)
                        alerts = await Self.query(api, "ALERTS", by: "alertname")
                        let evaluated = !rules.isEmpty && rules.values.allSatisfy { $0.allSatisfy { $0 != "unknown" } }
                        if max.count == 5, active.count == 5, !usable.isEmpty, evaluated, alerts["DatabaseConnectionsAtUsable"] != nil { break }
                        try await Task.sleep(for: .milliseconds(250))
                    }
                    try #require(server.isRunning, "prometheus exited: \(Self.read(dir + "/prometheus.stderr"))")

                    let targets = try #require(await Self.targets(api), "no /api/v1/targets answer")
                    #expect(targets.count == 1, "\(targets)")
                    #expect(targets.first?["health"] as? String == "up", "\(targets)")
                    #expect(targets.first?["scrapeUrl"] as? String == "http://\(runTarget)/metrics")

                    #expect(active["auth-service-1"] != nil, "hikaricp_connections_active in Prometheus: \(active)")
                    for (pool, value) in active { #expect((0...20).contains(value), "\(pool): \(value)") }
                    #expect(max == Dictionary(uniqueKeysWithValues: (1...5).map { ("auth-service-\($0)", 20.0) }),
                            "hikaricp_connections_max in Prometheus: \(max)")
                    #expect(usable["confgate"] == 97, "confgate_connections_usable in Prometheus: \(usable)")
                    #expect(!(await Self.query(api, "confgate_refusals_total", by: "job")).isEmpty)
                    // The shipped alert rules load in a real server and evaluate on these series.
                    #expect(Set(rules.keys) == ["confgate-connections", "confgate-pools"], "\(rules)")
                    #expect(rules.values.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 == "ok" } }, "rule health: \(rules)")
                    // 5 pools × 20 against 97 usable: the connections sit at usable, so the alert
                    // is pending (it fires after its `for: 1m`, longer than this test waits).
                    #expect(alerts["DatabaseConnectionsAtUsable"] != nil, "ALERTS in Prometheus: \(alerts)")
                }
                children = Processes.descendants(of: run.processIdentifier)
            }
            let status = run.terminationStatus
            #expect(status == 3, "an interrupted run is inconclusive: exit \(status)")
            #expect(Self.read(dir + "/run.stderr").contains("interrupted"))
            let gone = await eventually(within: .seconds(10)) { children.allSatisfy { !Processes.exists($0) } }
            #expect(gone, "the run left \(children.filter(Processes.exists)) running")
        }
    }

    /// The configuration docs/monitoring.md shows ("Rehearse with a real Prometheus"), with
    /// the shipped rules by absolute path.
    static func scrapeConfig(target: String) -> String {
        let rules = ConfgateRunner.packageRoot.appendingPathComponent("monitoring/confgate.rules.yml").path
        return """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: confgate
            static_configs: [{targets: ["\(target)"]}]
        rule_files: ["\(rules)"]

        """
    }

    /// Each loaded rule group's rules' health (`ok` once evaluated, `err` when a rule fails).
    static func ruleHealth(_ api: String) async -> [String: [String]] {
        guard let (status, body) = try? await get("\(api)/rules"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let groups = (json["data"] as? [String: Any])?["groups"] as? [[String: Any]] else { return [:] }
        var health: [String: [String]] = [:]
        for group in groups {
            guard let name = group["name"] as? String else { continue }
            health[name] = (group["rules"] as? [[String: Any]] ?? []).map { $0["health"] as? String ?? "?" }
        }
        return health
    }

    /// Each series' value by one of its labels, from Prometheus' instant-query API; empty when
    /// Prometheus does not answer yet.
    static func query(_ api: String, _ expression: String, by label: String) async -> [String: Double] {
        guard let (status, body) = try? await get("\(api)/query?query=\(expression)"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [:] }
        var values: [String: Double] = [:]
        for series in result {
            guard let labels = series["metric"] as? [String: String], let key = labels[label],
                  let value = (series["value"] as? [Any])?.last as? String, let number = Double(value) else { continue }
            values[key] = number
        }
        return values
    }

    /// Prometheus' active scrape targets (`health`, `scrapeUrl`, `lastError`, …).
    static func targets(_ api: String) async -> [[String: Any]]? {
        guard let (status, body) = try? await get("\(api)/targets"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any] else { return nil }
        return data["activeTargets"] as? [[String: Any]]
    }

    /// Starts `executable` from the package root, stdout and stderr to `output.stdout` and `output.stderr`.
    static func start(_ executable: String, _ arguments: [String], output: String) throws -> Process {
        try ConfgateRunner.Child(arguments, executable: executable, environment: environment, output: output).process
    }

    /// Runs `body`, then stops `process` with `signal` whether `body` returned or threw, and
    /// awaits its exit (polling, never blocking a thread); SIGKILL only if it outlives 30 s.
    static func stopping(_ process: Process, with signal: Int32, output: String, _ body: () async throws -> Void) async throws {
        func stop() async {
            if process.isRunning { kill(process.processIdentifier, signal) }
            let end = ContinuousClock.now + .seconds(30)
            while process.isRunning, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning {
                Issue.record("\(process.executableURL?.lastPathComponent ?? "?") ignored signal \(signal) for 30 s: \(read(output + ".stderr"))")
                kill(process.processIdentifier, SIGKILL)
                while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
            }
        }
        do { try await body() } catch {
            await stop()
            throw error
        }
        await stop()
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The first executable `name` on PATH.
    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A loopback port free a moment ago (the kernel's pick for port 0). Another process may
    /// take it before Prometheus binds it; then Prometheus exits and the test says so.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
