import Foundation

/// The report's closing sections: how much data the verdict rests on (said plainly, never
/// hidden behind a pass), and where the result came from, with a command that reproduces it.
enum ReportProvenance {
    /// "Data quality": rounds, logins and driver lag per side, incomplete or failed trials,
    /// and the runs' own notes.
    static func dataQuality(_ r: VerifyResult) -> String {
        guard !r.lintOnly else { return "<p>--lint-only: no load was run; the verdict rests on the files alone.</p>\n" }
        var rows: [[String]] = []
        var notes: [String] = []
        if r.quick { notes.append("--quick: one short trial per side. A fast look, not the full gate: latency p99 is reported but not judged.") }
        for (name, side) in [("current", r.current), ("proposed", r.proposed)] {
            for trial in side.trials {
                guard let run = trial.result else {
                    rows.append([name, "\(trial.round)", "did not run", "", "", "", ""])
                    notes.append("\(name) round \(trial.round) failed to run: \(trial.error ?? "no reason recorded")")
                    continue
                }
                let s = run.summary
                rows.append([name, "\(trial.round)\(trial.ranFirst ? " (ran first)" : "")", "\(s.latency.count)",
                             String(format: "%.1f", s.measuredSeconds), String(format: "%.0f", s.throughput),
                             "\(s.lag.p99 / 1000) / \(s.lag.max / 1000)", s.complete ? (s.lagTooHigh ? "driver fell behind" : "yes") : "interrupted"])
                notes += s.notes.map { "\(name) round \(trial.round): \($0)" }
                if run.timeline.isEmpty { notes.append("\(name) round \(trial.round): the 100 ms timeline is empty.") }
            }
        }
        var out = HTML.table(["side", "round", "logins measured", "seconds measured", "throughput /s", "driver lag p99 / max (ms)", "clean"],
                             rows, numeric: [2, 3, 4, 5])
        if notes.isEmpty { notes.append("Every trial ran to the end with the driver on schedule.") }
        out += "<ul>\n" + notes.map { "<li>\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n"
        return out
    }

    /// The seed and load rows every provenance table shows (a verify page and a run page).
    static func loadRows(_ l: GateSettings.Load) -> [[String]] {
        [
            ["seed", "\(l.seed)"],
            ["load", "\(l.rate.formatted0) logins/s for \(l.duration) after \(l.warmup) warmup; spike \(l.spike?.description ?? "off"); deploy \(l.deploy ? "on" : "off")"],
            ["users, bad passwords, db_time", "\(l.users) users, \(ReportChecks.percent(l.badPasswordRatio)) bad passwords, \(l.dbTime) server time per login"],
        ]
    }

    /// "Provenance": files, seed, load and gate values, and the command to run it again.
    static func render(_ r: VerifyResult) -> String {
        let l = r.load, g = r.gate
        var rows: [[String]] = [
            ["current file", r.current.file],
            ["proposed file", r.proposed.file],
            ["mode", r.lintOnly ? "--lint-only" : r.quick ? "--quick (1 trial per side)" : "\(l.trials) trials per side, interleaved"],
        ]
        if !r.lintOnly {
            rows += loadRows(l)
        }
        rows += [
            ["gate", "max_failed_logins \(g.maxFailedLogins), latency_tolerance \(ReportChecks.percent(g.latencyTolerance)), confidence \(ReportChecks.percent(g.confidence)), max_utilization \(ReportChecks.percent(g.maxUtilization))"],
            ["result schema", "confgate verify result, schema version \(r.schemaVersion)"],
        ]
        rows += origin(r.provenance, runs: r.current.runs + r.proposed.runs)
        var out = HTML.table(["", "value"], rows)
        out += "<p>To run it again (from the directory it ran in; the gate values above need a gate file when they are not the defaults):</p>\n"
        out += "<pre><code>\(HTML.escape(command(r)))</code></pre>\n"
        out += "<p>To draw this page again from the saved result: <code>confgate report result.json -o report.html</code></p>\n"
        return out
    }

    /// Where it ran: confgate's version, the command as typed, the machine, and the
    /// PostgreSQL and PgBouncer of its trials — or that a result saved before confgate
    /// recorded them does not say.
    static func origin(_ p: Provenance?, runs: [RunResult]) -> [[String]] {
        var rows: [[String]] = []
        let unrecorded = "not recorded (a result saved before confgate \(ConfgateVersion.current))"
        rows.append(["confgate", p?.confgate ?? unrecorded])
        if let command = p?.command {
            rows.append(["command as typed", command.map(shellQuoted).joined(separator: " ")])
        }
        if let p, p.cores != nil || p.system != nil {
            let parts = [p.cores.map { "\($0) cores" }, p.loadAverage.map { "load \(String(format: "%.2f", $0)) at the start" }, p.system]
            rows.append(["machine", parts.compactMap { $0 }.joined(separator: ", ")])
        } else {
            rows.append(["machine", unrecorded])
        }
        func distinct(_ values: [String?]) -> String? {
            var seen: [String] = []
            for case let v? in values where !seen.contains(v) { seen.append(v) }
            return seen.isEmpty ? nil : seen.joined(separator: "; ")
        }
        rows.append(["PostgreSQL", distinct(runs.map { $0.provenance?.postgres } + [p?.postgres]) ?? (runs.isEmpty ? "no trial ran" : unrecorded)])
        if let bouncer = distinct(runs.map { $0.provenance?.pgbouncer } + [p?.pgbouncer]) {
            rows.append(["PgBouncer", bouncer])
        }
        return rows
    }

    /// The `confgate verify …` command that repeats this run's load and seed.
    static func command(_ r: VerifyResult) -> String {
        var args = ["confgate", "verify"]
        let c = r.current.file, p = r.proposed.file
        if c.hasSuffix(":" + p), c.count > p.count + 1 {
            args += ["--against", String(c.dropLast(p.count + 1))]
        } else {
            args += ["--current", c]
        }
        args += ["--proposed", p]
        if r.lintOnly {
            args.append("--lint-only")
        } else {
            let l = r.load
            if r.quick { args.append("--quick") } else { args += ["--trials", "\(l.trials)"] }
            args += ["--rate", "\(l.rate.formatted0)/s", "--duration", "\(l.duration)", "--warmup", "\(l.warmup)",
                     "--spike", l.spike?.description ?? "off", "--deploy", l.deploy ? "on" : "off",
                     "--db-time", "\(l.dbTime)", "--users", "\(l.users)", "--seed", "\(l.seed)"]
        }
        return args.map(shellQuoted).joined(separator: " ")
    }

    /// An argument as a POSIX shell reads it back: bare when safe, else in single quotes.
    static func shellQuoted(_ arg: String) -> String {
        let safe = arg.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }
        if safe && !arg.isEmpty { return arg }
        return "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
