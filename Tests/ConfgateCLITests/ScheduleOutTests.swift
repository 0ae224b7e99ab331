import Foundation
import Testing

/// `confgate run --schedule-out FILE` (hidden): the arrival schedule handed to the HikariCP
/// conformance harness. It writes the file and exits without starting a server.
@Suite("confgate run --schedule-out")
struct ScheduleOutTests {
    func schedule(_ extra: [String], settings: String = "fixtures/current.conf") async throws -> (status: Int32, lines: [String]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cg-schedule-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await ConfgateRunner.run(["run", "--settings", settings, "--schedule-out", path] + extra)
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return (result.status, text.split(separator: "\n").map(String.init))
    }

    @Test func oneLinePerArrivalAfterTheSettingsAndTheHeader() async throws {
        let (status, lines) = try await schedule(["--rate", "200/s", "--warmup", "1s", "--duration", "4s", "--spike", "3x for 1s", "--deploy", "off"])
        #expect(status == 0)
        let settings = lines.filter { $0.hasPrefix("# ") }
        #expect(settings.first == "# confgate schedule 1")
        #expect(settings.contains("# instances=6") && settings.contains("# max_size=15") && settings.contains("# min_idle=15"))
        #expect(settings.contains("# acquire_timeout_ms=2000") && settings.contains("# request_timeout_ms=5000"))
        #expect(settings.contains("# warmup_us=1000000") && settings.contains("# total_us=5000000"))
        let rows = Array(lines.drop { $0.hasPrefix("#") })
        #expect(rows.first == "offset_us,user,bad_password,phase")
        let arrivals = rows.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(settings.contains("# arrivals=\(arrivals.count)"), "one line per arrival")
        // 200/s for 5 s plus 400/s more during the 1 s spike: about 1,400.
        #expect((1_200...1_600).contains(arrivals.count), "\(arrivals.count) arrivals")
        #expect(arrivals.allSatisfy { $0.count == 4 })
        let offsets = arrivals.compactMap { Int64($0[0]) }
        #expect(offsets.count == arrivals.count && offsets == offsets.sorted() && (offsets.last ?? .max) < 5_000_000)
        #expect(Set(arrivals.map { $0[3] }) == ["warmup", "steady", "spike"], "no deploy with --deploy off")
    }

    /// A named pool's keys follow the main pool's under `pool.NAME.`; a file without named
    /// pools has none.
    @Test func namedPoolsFollowUnderTheirOwnNames() async throws {
        let flags = ["--rate", "50/s", "--warmup", "1s", "--duration", "1s", "--spike", "off", "--deploy", "off"]
        let named = try await schedule(flags, settings: "fixtures/named-pools/proposed.conf")
        #expect(named.status == 0)
        let settings = named.lines.filter { $0.hasPrefix("# ") }
        #expect(settings.contains("# max_size=15") && settings.contains("# acquire_timeout_ms=2000"))
        #expect(Array(settings.suffix(5)) == ["# pool.replica.max_size=10", "# pool.replica.min_idle=10", "# pool.replica.acquire_timeout_ms=2000",
                                              "# pool.replica.idle_timeout_ms=600000", "# pool.replica.max_lifetime_ms=1800000"])
        let plain = try await schedule(flags)
        #expect(!plain.lines.contains { $0.hasPrefix("# pool.") })
    }

    @Test func theSameFlagsGiveTheSameScheduleAndTheRunStaysHidden() async throws {
        let flags = ["--rate", "100/s", "--warmup", "1s", "--duration", "2s", "--spike", "off", "--seed", "7"]
        let a = try await schedule(flags), b = try await schedule(flags)
        #expect(a.status == 0 && !a.lines.isEmpty && a.lines == b.lines)
        let help = try await ConfgateRunner.run(["run", "--help"])
        #expect(!help.stdout.contains("schedule-out"))
    }
}
