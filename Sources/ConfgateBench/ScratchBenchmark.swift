import ConfgateCore
import ConfgatePostgres
import Foundation
import Logging

/// `confgate postgres --bench`: how long the scratch server's steps take on this machine
/// (issue #4's targets: warm trial ≤ 150 ms median, cold template ≤ 1.5 s). Not a test.
public enum ScratchBenchmark {
    /// Summary of one measured step over repeated runs, in milliseconds.
    public struct Figure: Sendable {
        public var name: String
        public var samples: [Double]

        func quantile(_ q: Double) -> Double {
            let s = samples.sorted()
            guard !s.isEmpty else { return .nan }
            let position = q * Double(s.count - 1)
            let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
            return s[low] + (s[high] - s[low]) * (position - Double(low))
        }

        public var median: Double { quantile(0.5) }

        var line: String {
            func f(_ v: Double) -> String { String(format: "%7.1f", v) }
            return name.padding(toLength: 50, withPad: " ", startingAt: 0)
                + "median \(f(median)) ms   min \(f(samples.min() ?? .nan))   p25 \(f(quantile(0.25)))   p75 \(f(quantile(0.75)))   p90 \(f(quantile(0.9)))   max \(f(samples.max() ?? .nan))"
        }
    }

    public struct Report: Sendable {
        public var header: String
        public var figures: [Figure]
        public var text: String { ([header] + figures.map(\.line)).joined(separator: "\n") }
    }

    public static func run(
        runs: Int, users: Int, pgBindir: String?, pgUser: String?, logger: Logger
    ) async throws(ConfgateError) -> Report {
        let installation = try await PostgresInstallation.find(pgBindir: pgBindir)
        let owner = try ServerUser.resolve(requested: pgUser)
        let root = "/tmp/confgate-bench-\(getpid())"
        defer { PrivateDirectory.remove(root) }

        // Cold: initdb + start + schema + seed + fast shutdown + rename into a fresh cache.
        var cold = Figure(name: "cold template (initdb + seed \(users) users)", samples: [])
        var template = ""
        for i in 0..<runs {
            let cache = TemplateCache(directory: "\(root)/cache-\(i)")
            let t = ContinuousClock.now
            let built = try await cache.template(installation: installation, users: users, owner: owner, logger: logger)
            cold.samples.append(ms(since: t))
            if template.isEmpty { template = built.path } else { PrivateDirectory.remove(cache.directory) }
        }

        // Warm: copy template → start → ready → stop → removed, as every trial does.
        var warm = Figure(name: "warm trial start→ready→stopped→removed", samples: [])
        var copy = Figure(name: "  of which: unpack template (tar)", samples: [])
        var ready = Figure(name: "  of which: start → ready (+ SHOW read-back)", samples: [])
        var stop = Figure(name: "  of which: stop → removed", samples: [])
        let options = ScratchServer.Options(server: .init(), users: users)
        for _ in 0..<runs {
            let t0 = ContinuousClock.now
            let server = try await ScratchServer.start(
                options, installation: installation, user: owner, template: template, logger: logger,
                onUnpacked: { copy.samples.append(ms(since: t0)) })
            let t1 = ContinuousClock.now
            await server.stop()
            warm.samples.append(ms(since: t0))
            stop.samples.append(ms(since: t1))
            ready.samples.append(ms(t0, t1) - (copy.samples.last ?? 0))
        }

        // pg_ctl -w start on the same copied template, for comparison.
        var pgctl = Figure(name: "pg_ctl -w start (same unpacked template)", samples: [])
        var pgctlCycle = Figure(name: "pg_ctl cycle unpack→start -w→stop -w→removed", samples: [])
        for _ in 0..<runs {
            let t0 = ContinuousClock.now
            let dir = try PrivateDirectory.make(owner: owner)
            defer { PrivateDirectory.remove(dir) }
            try await PrivateDirectory.unpack(template, to: dir + "/data", owner: owner)
            let serverOptions = "-k \(dir) -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            let t1 = ContinuousClock.now
            do {
                try await ProcessRunner.output(
                    installation.path("pg_ctl"), ["-w", "-D", dir + "/data", "-l", dir + "/server.log", "-o", serverOptions, "start"],
                    user: owner, workingDirectory: dir)
                pgctl.samples.append(ms(since: t1))
                try await ProcessRunner.output(
                    installation.path("pg_ctl"), ["-w", "-D", dir + "/data", "-m", "immediate", "stop"],
                    user: owner, workingDirectory: dir)
            } catch {
                throw ConfgateError(.environment, "pg_ctl failed", details: ["\(error)"])
            }
            PrivateDirectory.remove(dir)
            pgctlCycle.samples.append(ms(since: t0))
        }
        let header = "confgate scratch-server benchmark: PostgreSQL \(installation.version), \(runs) runs each, \(ProcessInfo.processInfo.activeProcessorCount) cores, as \(owner?.name ?? "current user")"
        return Report(header: header, figures: [cold, warm, copy, ready, stop, pgctl, pgctlCycle])
    }

    private static func ms(since start: ContinuousClock.Instant) -> Double { ms(start, .now) }

    private static func ms(_ a: ContinuousClock.Instant, _ b: ContinuousClock.Instant) -> Double {
        let d = b - a
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
