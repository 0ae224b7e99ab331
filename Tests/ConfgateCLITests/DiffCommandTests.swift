import Foundation
import Testing

@Suite("confgate diff, run as a user runs it")
struct DiffCommandTests {
    private func diff(_ proposed: String, _ extra: [String] = []) async throws -> ConfgateRunner.Result {
        try await ConfgateRunner.run(["diff", "--current", "fixtures/current.conf", "--proposed", proposed] + extra)
    }

    @Test func theOutageShowsTheChangeAndTheOverflow() async throws {
        let result = try await diff("fixtures/outage.conf")
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.hasPrefix("confgate diff: fixtures/current.conf → fixtures/outage.conf\n"))
        #expect(result.stdout.contains("  pool.max_size   15 → 20 "))
        #expect(result.stdout.contains("  steady demand           90            120      +30\n"))
        #expect(result.stdout.contains("✗ proposed: steady demand 120 (6 instances × max_size 20) exceeds usable 97 by 23\n"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test(arguments: ["current.conf", "outage.conf", "deploy-overflow.conf", "harmless.conf", "pool-shrink.conf"])
    func everyValidFixtureDiffsWithExitZero(name: String) async throws {
        let result = try await diff("fixtures/\(name)", ["--gate", "fixtures/confgate.gate"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
    }

    @Test func theDeployOverflowIsNamed() async throws {
        let result = try await diff("fixtures/deploy-overflow.conf")
        #expect(result.stdout.contains("✗ proposed: deploy demand 105 ((6 instances + max_surge 1) × max_size 15) exceeds usable 97 by 8"))
    }

    @Test func theHarmlessChangeIsOnlyTheIdleTimeout() async throws {
        let result = try await diff("fixtures/harmless.conf")
        #expect(result.stdout.contains("1 setting changed\n  pool.idle_timeout   10min → 5min\n"))
        #expect(result.stdout.contains("database.statement_timeout   2s = 2000ms"))
        #expect(!result.stdout.contains("✗"))
    }

    static let invalidFixtures: [(String, String)] = [
        ("bad-dsn.conf", "3:7: error: libpq rejects `dsn`: invalid connection option \"conect_timeout\"; did you mean \"connect_timeout\"?"),
        ("duplicate-key.conf", "5:1: error: `max_size` is set twice in [pool]"),
        ("duration-without-unit.conf", "4:19: error: `acquire_timeout = 30` has no unit: write `30s`, `30ms` or `30min`"),
        ("negative-count.conf", "3:13: error: `instances` cannot be negative (`-6`)"),
        ("reserved-exceeds-max.conf", "3:19: error: superuser_reserved_connections (10) plus reserved_connections (0) must be less than max_connections (10)"),
        ("stray-line.conf", "3:1: error: expected `key = value` or `[section]`, found `max_size 15`"),
        ("unknown-key.conf", "4:1: error: unknown key `max_lifetme` in [pool]; did you mean `max_lifetime`?"),
        ("unknown-section.conf", "5:2: error: unknown section [fleeet]; did you mean [fleet]?"),
        ("unterminated-quote.conf", "3:7: error: unterminated quote: the value starting here has no closing `\"`"),
        ("wrong-type.conf", "3:19: error: `max_connections` expects a whole number, got `lots`"),
    ]

    @Test(arguments: invalidFixtures)
    func everyInvalidFixtureGivesOnePreciseError(name: String, error: String) async throws {
        let path = "fixtures/invalid/\(name)"
        for result in await [try diff(path), try await ConfgateRunner.run(["diff", "--current", path, "--proposed", "fixtures/current.conf"])] {
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.first.map(String.init) == "\(path):\(error)")
            #expect(lines.filter { $0.contains("error:") }.count == 1, "exactly one error")
            #expect(!result.stderr.contains("s3cret-fixture-pw"))
        }
    }

    @Test func everyInvalidFixtureIsCovered() throws {
        let names = try FileManager.default.contentsOfDirectory(
            atPath: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/invalid").path)
        #expect(Set(names.filter { $0.hasSuffix(".conf") }) == Set(Self.invalidFixtures.map(\.0)))
    }

    @Test(arguments: [
        ("bad-boolean.gate", "4:10: error: `deploy` expects on or off (also true/false, yes/no, 1/0), got `sometimes`"),
        ("spike-too-long.gate", "4:9: error: the spike lasts 10s but each trial lasts only 5s"),
    ])
    func anInvalidGateFileIsRejected(name: String, error: String) async throws {
        let result = try await diff("fixtures/current.conf", ["--gate", "fixtures/invalid/\(name)"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").first.map(String.init) == "fixtures/invalid/\(name):\(error)")
    }

    @Test func aMissingFileIsBadInput() async throws {
        let result = try await diff("fixtures/nonexistent.conf")
        #expect(result.status == 2)
        #expect(result.stderr == "error: cannot read fixtures/nonexistent.conf: no such file\n")
    }

    @Test(arguments: [
        ["diff", "--current", "fixtures/current.conf", "--proposed", "fixtures/outage.conf", "--bogus"],
        ["diff", "--current", "fixtures/current.conf"],
        ["diff", "--current", "fixtures/current.conf", "--proposed", "fixtures/outage.conf", "--format", "xml"],
        ["frobnicate"],
        ["diff", "--current"],
    ])
    func aBadFlagExitsTwo(arguments: [String]) async throws {
        let result = try await ConfgateRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Error:"))
        #expect(result.stderr.contains("Usage:"))
        #expect(result.stdout.isEmpty)
    }

    @Test func helpExitsZero() async throws {
        let result = try await ConfgateRunner.run(["diff", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--format <format>"))
    }

    @Test func jsonOutputParses() async throws {
        let result = try await diff("fixtures/outage.conf", ["--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "confgate.diff")
        #expect(object["version"] as? Int == 1)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.map { $0["kind"] as? String } == ["steady_exceeds_usable"])
    }

    @Test func markdownOutputIsForAPullRequest() async throws {
        let result = try await diff("fixtures/outage.conf", ["--format", "markdown"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("### confgate diff: `fixtures/current.conf` → `fixtures/outage.conf`"))
        #expect(result.stdout.contains("| steady demand | 90 | **120** ❌ | +30 |"))
    }

    @Test(arguments: ["text", "json", "markdown"])
    func thePasswordNeverAppears(format: String) async throws {
        for proposed in ["fixtures/outage.conf", "fixtures/harmless.conf", "fixtures/current.conf"] {
            let result = try await diff(proposed, ["--format", format])
            #expect(result.status == 0)
            #expect(!result.stdout.contains("s3cret-fixture-pw"))
            #expect(!result.stderr.contains("s3cret-fixture-pw"))
        }
    }

    /// `script` (util-linux/bsdutils) runs the binary on a pseudo-terminal.
    static let hasScript = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")

    @Test(.enabled(if: hasScript, "needs /usr/bin/script for a pseudo-terminal"))
    func colourOnATerminalOnlyWithoutNoColor() async throws {
        let command = "\(ConfgateRunner.binary.path) diff --current fixtures/current.conf --proposed fixtures/outage.conf"
        let onTerminal = try await ConfgateRunner.run(
            ["-q", "-e", "-c", command, "/dev/null"], executable: "/usr/bin/script", environment: ["TERM": "xterm", "NO_COLOR": ""])
        #expect(onTerminal.status == 0)
        #expect(onTerminal.stdout.contains("\u{1B}[31m"), "red for the overflowing demand")
        let noColor = try await ConfgateRunner.run(
            ["-q", "-e", "-c", command, "/dev/null"], executable: "/usr/bin/script",
            environment: ["TERM": "xterm", "NO_COLOR": "1"])
        #expect(noColor.status == 0)
        #expect(noColor.stdout.contains("steady demand 120"))
        #expect(!noColor.stdout.contains("\u{1B}["))
    }
}
