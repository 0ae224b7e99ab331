import Testing
@testable import ConfgateCore

@Suite("Lint: pool rules")
struct LintPoolRuleTests {
    typealias F = LintFixture

    /// The base settings with `pool.min_idle` set (and written on its line).
    static func withMinIdle(_ minIdle: Int, _ edit: (inout Settings) -> Void = { _ in }) -> Settings {
        var settings = F.with(edit)
        settings.pool.minIdle = minIdle
        settings.origins["pool.min_idle"] = F.origin("pool.min_idle")
        return settings
    }

    /// `settings` with `pool.idle_timeout` set to `value` on its line.
    static func idle(_ value: SettingDuration, _ settings: Settings) -> Settings {
        var settings = settings
        settings.pool.idleTimeout = value
        settings.origins["pool.idle_timeout"] = F.origin("pool.idle_timeout")
        return settings
    }

    @Test("CG104 fires when min_idle > max_size, at pool.min_idle; not when equal")
    func cg104() throws {
        let finding = try #require(try F.findings("CG104", in: Self.withMinIdle(12)).first)
        #expect(finding.severity == .error)
        #expect(finding.location == F.location("pool.min_idle"))
        #expect(finding.message == "min_idle 12 > max_size 10")
        #expect(try F.findings("CG104", in: Self.withMinIdle(10)) == [])
    }

    @Test("CG106 fires below 250ms, at pool.acquire_timeout; not at 250ms")
    func cg106() throws {
        let settings = F.with { $0.pool.acquireTimeout = .milliseconds(100) }
        let finding = try #require(try F.findings("CG106", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("pool.acquire_timeout"))
        #expect(finding.message == "acquire_timeout 100ms < 250ms, the least HikariCP accepts")
        #expect(try F.findings("CG106", in: F.with { $0.pool.acquireTimeout = .milliseconds(250) }) == [])
    }

    @Test("CG107 fires below 30s, at pool.max_lifetime; not at 30s, not at 0 (no limit)")
    func cg107() throws {
        let settings = F.with { $0.pool.maxLifetime = .seconds(29) }
        let finding = try #require(try F.findings("CG107", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("pool.max_lifetime"))
        #expect(finding.message == "max_lifetime 29s < 30s; HikariCP resets it to 30min")
        #expect(try F.findings("CG107", in: F.with { $0.pool.maxLifetime = .seconds(30) }) == [])
        #expect(try F.findings("CG107", in: F.with { $0.pool.maxLifetime = .seconds(0) }) == [])
    }

    @Test("CG108 fires when idle_timeout + 1s > max_lifetime on a shrinking pool, at pool.idle_timeout")
    func cg108() throws {
        let settings = Self.idle(.minutes(30), Self.withMinIdle(5))
        let finding = try #require(try F.findings("CG108", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("pool.idle_timeout"))
        #expect(finding.message == "idle_timeout 30min + 1s = 1801s > max_lifetime 30min: idle_timeout has no effect")
    }

    @Test("CG108 does not fire at idle_timeout + 1s = max_lifetime, nor on a fixed-size pool")
    func cg108NearMiss() throws {
        let exact = Self.idle(.seconds(1799), Self.withMinIdle(5))
        #expect(try F.findings("CG108", in: exact) == [])
        let fixed = Self.idle(.minutes(30), F.base)
        #expect(try F.findings("CG108", in: fixed) == [])
    }

    @Test("CG109 fires when idle_timeout is set on a fixed-size pool; not when the pool can shrink")
    func cg109() throws {
        let settings = Self.idle(.minutes(5), F.base)
        let finding = try #require(try F.findings("CG109", in: settings).first)
        #expect(finding.severity == .info)
        #expect(finding.location == F.location("pool.idle_timeout"))
        #expect(finding.message == "idle_timeout 5min is set, but min_idle 10 (default) = max_size 10: a fixed-size pool never closes idle connections")
        #expect(try F.findings("CG109", in: Self.idle(.minutes(5), Self.withMinIdle(5))) == [])
        // The default idle_timeout, not written in the file, says nothing.
        #expect(try F.findings("CG109", in: F.base) == [])
    }

    @Test("CG114 fires when idle_timeout < 10s on a shrinking pool; not at 10s")
    func cg114() throws {
        let settings = Self.idle(.seconds(5), Self.withMinIdle(5))
        let finding = try #require(try F.findings("CG114", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("pool.idle_timeout"))
        #expect(finding.message == "idle_timeout 5s < 10s; HikariCP resets it to 10min")
        #expect(try F.findings("CG114", in: Self.idle(.seconds(10), Self.withMinIdle(5))) == [])
    }
}
