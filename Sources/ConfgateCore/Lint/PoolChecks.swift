/// Pool rules: values HikariCP refuses or silently replaces, and settings that cannot take
/// effect (CG104, CG106–CG109, CG114). Thresholds are HikariCP's (`HikariConfig.validateNumerics`).
enum PoolChecks {
    /// The single-file checks that look at one pool only: the main `[pool]` (in
    /// `Linter.fileChecks`) and each `[pool.NAME]` (`NamedPoolChecks`) get the same.
    static let onePool: [@Sendable (LintSubject) -> Finding?] = [
        PoolChecks.minIdleAboveMax,
        TimeoutChecks.acquireNotBelowRequest,
        PoolChecks.acquireTooShort,
        PoolChecks.lifetimeTooShort,
        PoolChecks.idleBeyondLifetime,
        PoolChecks.idleOnFixedPool,
        PoolChecks.idleTooShort,
    ]

    static let acquireFloor = SettingDuration.milliseconds(250)
    static let lifetimeFloor = SettingDuration.seconds(30)
    static let idleFloor = SettingDuration.seconds(10)

    /// CG104: min_idle > max_size.
    static func minIdleAboveMax(_ s: LintSubject) -> Finding? {
        let pool = s.settings.pool
        guard let minIdle = pool.minIdle, minIdle > pool.maxSize else { return nil }
        return s.finding(
            Rules.cg104, "min_idle \(minIdle) > max_size \(pool.maxSize)",
            why: "A pool never holds more than max_size connections, so it can never keep min_idle idle ones; HikariCP quietly lowers minimumIdle to maximumPoolSize, which hides which number was meant.",
            fix: "set pool.min_idle to at most \(pool.maxSize), or remove it (the default is max_size: a fixed-size pool)")
    }

    /// CG106: acquire_timeout < 250 ms.
    static func acquireTooShort(_ s: LintSubject) -> Finding? {
        let timeout = s.settings.pool.acquireTimeout
        guard timeout < acquireFloor else { return nil }
        return s.finding(
            Rules.cg106, "acquire_timeout \(timeout) < 250ms, the least HikariCP accepts",
            why: "HikariCP rejects a connectionTimeout below 250 ms, or resets it to 30 s with only a log warning (0 means \"wait forever\"): production would wait far longer than this file says.",
            fix: "set pool.acquire_timeout to 250ms or more")
    }

    /// CG107: 0 < max_lifetime < 30 s (HikariCP reads 0 as "no limit").
    static func lifetimeTooShort(_ s: LintSubject) -> Finding? {
        let lifetime = s.settings.pool.maxLifetime
        guard lifetime.microseconds > 0, lifetime < lifetimeFloor else { return nil }
        return s.finding(
            Rules.cg107, "max_lifetime \(lifetime) < 30s; HikariCP resets it to 30min",
            why: "HikariCP ignores a maxLifetime below 30 s and uses its default of 30 minutes, with only a log warning: connections live 30 minutes, not what this file says.",
            fix: "set pool.max_lifetime to 30s or more (a few seconds or minutes less than any database or network time limit on connections)")
    }

    /// CG108: idle_timeout + 1 s > max_lifetime on a pool that can shrink (HikariCP's condition).
    static func idleBeyondLifetime(_ s: LintSubject) -> Finding? {
        let pool = s.settings.pool
        guard pool.maxLifetime.microseconds > 0, pool.effectiveMinIdle < pool.maxSize,
              pool.idleTimeout.microseconds + 1_000_000 > pool.maxLifetime.microseconds
        else { return nil }
        let sum = SettingDuration(microseconds: pool.idleTimeout.microseconds + 1_000_000)
        return s.finding(
            Rules.cg108,
            "idle_timeout \(pool.idleTimeout) + 1s = \(sum) > max_lifetime \(pool.maxLifetime): idle_timeout has no effect",
            why: "Every connection retires at max_lifetime before it could idle out, so idle_timeout never closes anything; HikariCP logs \"idleTimeout is close to or more than maxLifetime, disabling it\".",
            fix: "set pool.idle_timeout at least 1s below max_lifetime (e.g. \(SettingDuration(microseconds: max(pool.maxLifetime.microseconds / 3, 1_000_000)))), or remove it")
    }

    /// CG109: idle_timeout set on a fixed-size pool.
    static func idleOnFixedPool(_ s: LintSubject) -> Finding? {
        let pool = s.settings.pool
        guard s.isSet("pool.idle_timeout"), pool.effectiveMinIdle >= pool.maxSize else { return nil }
        let minIdle = pool.minIdle.map(String.init) ?? "\(pool.maxSize) (default)"
        return s.finding(
            Rules.cg109,
            "idle_timeout \(pool.idleTimeout) is set, but min_idle \(minIdle) = max_size \(pool.maxSize): a fixed-size pool never closes idle connections",
            why: "idle_timeout only closes idle connections above min_idle; with min_idle = max_size there are none, so the key says something that never happens.",
            fix: "remove pool.idle_timeout, or lower pool.min_idle if the pool should shrink when quiet")
    }

    /// CG114: 0 < idle_timeout < 10 s on a pool that can shrink.
    static func idleTooShort(_ s: LintSubject) -> Finding? {
        let pool = s.settings.pool
        guard pool.idleTimeout.microseconds > 0, pool.idleTimeout < idleFloor,
              pool.effectiveMinIdle < pool.maxSize
        else { return nil }
        return s.finding(
            Rules.cg114, "idle_timeout \(pool.idleTimeout) < 10s; HikariCP resets it to 10min",
            why: "HikariCP's minimum idleTimeout is 10 s; a shorter one is replaced by the 10 minute default with only a log warning.",
            fix: "set pool.idle_timeout to 10s or more")
    }
}
