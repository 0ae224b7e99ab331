import ConfgatePool
import Testing

/// `PoolConfiguration.hikariEffective`: HikariCP's `HikariConfig.validateNumerics` (and setters).
@Suite struct HikariClampsTests {
    static func effective(
        max: Int = 10, minIdle: Int? = nil, timeout: Duration = .seconds(30), idle: Duration = .seconds(600),
        lifetime: Duration = .seconds(1800), release: HikariRelease = .current
    ) -> (configuration: PoolConfiguration, notes: [ClampNote]) {
        PoolConfiguration.hikariEffective(
            maxSize: max, minIdle: minIdle, connectionTimeout: timeout, idleTimeout: idle, maxLifetime: lifetime,
            release: release)
    }

    @Test func hikariDefaultsAreKeptWithoutNotes() {
        let (configuration, notes) = Self.effective()
        #expect(notes.isEmpty)
        #expect(configuration == PoolConfiguration())
    }

    @Test func maxLifetimeBelow30SecondsBecomes30Minutes() {
        let (configuration, notes) = Self.effective(lifetime: .seconds(29))
        #expect(configuration.maxLifetime == .seconds(1800))
        #expect(notes.map(\.setting) == ["maxLifetime"])
        #expect(notes.first?.description == "maxLifetime 29s → 30min: maxLifetime is less than 30000ms, setting to default 1800000ms")
        #expect(Self.effective(lifetime: .seconds(30)).notes.isEmpty, "30 s is allowed")
        #expect(Self.effective(lifetime: .zero).configuration.maxLifetime == .zero, "0: no limit")
    }

    @Test func connectionTimeoutBelow250MillisecondsBecomes30SecondsAndZeroMeansNoLimit() {
        let (short, notes) = Self.effective(timeout: .milliseconds(249))
        #expect(short.acquireTimeout == .seconds(30))
        #expect(notes.map(\.rejectedBySetter) == [true], "setConnectionTimeout throws for it")
        #expect(Self.effective(timeout: .milliseconds(250)).notes.isEmpty)
        let unbounded = Self.effective(timeout: .zero).configuration
        #expect(unbounded.acquireTimeout == .milliseconds(2_147_483_647))
        #expect(unbounded.loginTimeout == nil, "no login timeout when unbounded")
    }

    @Test func minimumIdleOutsideZeroToMaximumBecomesMaximum() {
        #expect(Self.effective(max: 5, minIdle: 9).configuration.minIdle == 5)
        #expect(Self.effective(max: 5, minIdle: 9).notes.map(\.setting) == ["minimumIdle"])
        #expect(Self.effective(max: 5, minIdle: -1).configuration.minIdle == 5)
        #expect(Self.effective(max: 5, minIdle: nil).configuration.minIdle == 5, "unset: maximumPoolSize")
        #expect(Self.effective(max: 5, minIdle: nil).notes.isEmpty)
        #expect(Self.effective(max: 5, minIdle: 0).configuration.minIdle == 0)
        #expect(Self.effective(max: 0).configuration.maxSize == 10)
    }

    @Test func idleTimeoutCloseToMaxLifetimeIsDisabledOnAPoolThatCanShrink() {
        let (configuration, notes) = Self.effective(minIdle: 2, idle: .seconds(60), lifetime: .seconds(60))
        #expect(configuration.idleTimeout == .zero)
        #expect(notes.map(\.reason) == ["idleTimeout is close to or more than maxLifetime, disabling it"])
        #expect(Self.effective(minIdle: 2, idle: .seconds(59), lifetime: .seconds(60)).configuration.idleTimeout == .seconds(59),
                "idleTimeout + 1 s = maxLifetime is allowed")
        #expect(Self.effective(minIdle: 2, idle: .seconds(3600), lifetime: .zero).configuration.idleTimeout == .seconds(3600),
                "no lifetime: no conflict")
    }

    @Test func idleTimeoutBelow10SecondsBecomes10MinutesNot10Seconds() {
        let (configuration, notes) = Self.effective(minIdle: 0, idle: .seconds(5))
        #expect(configuration.idleTimeout == .seconds(600))
        #expect(notes.map(\.effective) == ["10min"])
    }

    @Test func fixedSizePoolKeepsIdleTimeoutWithAWarningInTheCurrentRelease() {
        let (configuration, notes) = Self.effective(idle: .seconds(5))
        #expect(configuration.idleTimeout == .seconds(5), "current: the idle rules need minimumIdle < maximumPoolSize")
        #expect(notes.map(\.given) == ["5s"])
        #expect(notes.map(\.effective) == ["5s"])
    }

    @Test func release279AppliesTheIdleRulesToEveryPoolAndSizesFromMinimumIdle() {
        #expect(Self.effective(idle: .seconds(5), release: .v2_7_9).configuration.idleTimeout == .seconds(600))
        #expect(Self.effective(idle: .seconds(60), lifetime: .seconds(60), release: .v2_7_9).configuration.idleTimeout == .zero)
        #expect(Self.effective(max: 0, minIdle: 4, release: .v2_7_9).configuration.maxSize == 4)
        #expect(Self.effective(max: 0, minIdle: 4).configuration.maxSize == 10)
    }

    @Test func loginTimeoutIsConnectionTimeoutPlusHalfASecondInWholeSecondsTruncated() {
        func login(_ timeout: Duration) -> Duration? { PoolConfiguration(acquireTimeout: timeout).loginTimeout }
        #expect(login(.milliseconds(250)) == .seconds(1), "at least 1 s")
        #expect(login(.milliseconds(1499)) == .seconds(1))
        #expect(login(.milliseconds(1500)) == .seconds(2))
        #expect(login(.seconds(30)) == .seconds(30))
        #expect(login(.milliseconds(30_600)) == .seconds(31))
    }

    @Test func backoffOfEachRelease() {
        let current = PoolConfiguration()
        #expect((1...11).map { current.backoff(afterFailures: $0) }
            == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5000, 5000].map { Duration.milliseconds($0) })
        var old = PoolConfiguration()
        old.useConnectBackoff(of: .v2_7_9)
        #expect((1...11).map { old.backoff(afterFailures: $0) }
            == [250, 375, 562, 843, 1264, 1896, 2844, 4266, 6399, 9598, 10000].map { Duration.milliseconds($0) })
        var shortTimeout = PoolConfiguration(acquireTimeout: .seconds(1))
        shortTimeout.useConnectBackoff(of: .v2_7_9)
        #expect(shortTimeout.backoff(afterFailures: 5) == .seconds(1), "2.7.9 caps at connectionTimeout")
    }
}
