/// Which HikariCP release's rules to follow where they differ.
public enum HikariRelease: String, Sendable, Hashable, CaseIterable {
    /// The current release, 6.0.0 (the newest in the repository confgate was checked against).
    case current = "6.0.0"
    /// 2.7.9, still common behind Spring Boot 2.0.
    case v2_7_9 = "2.7.9"
}

/// One value HikariCP would not use as given, and what it uses instead.
public struct ClampNote: Sendable, Hashable, CustomStringConvertible {
    /// HikariCP's property name, e.g. `maxLifetime`.
    public var setting: String
    /// The value as configured, e.g. `10s`.
    public var given: String
    /// The value HikariCP runs with, e.g. `30min` (the same as `given` when the note only warns).
    public var effective: String
    /// Why, in HikariCP's words where it logs one.
    public var reason: String
    /// Whether HikariCP's setter refuses the value outright (`IllegalArgumentException`): the
    /// pool is never created when the value reaches it through the setter, as Spring Boot's
    /// binding does. The simulation runs with `effective` (what `validateNumerics` would use).
    public var rejectedBySetter: Bool

    public var description: String {
        let change = given == effective ? "\(setting) \(given)" : "\(setting) \(given) → \(effective)"
        return "\(change): \(reason)" + (rejectedBySetter ? " (HikariConfig's setter rejects this value)" : "")
    }
}

extension PoolConfiguration {
    /// The configuration HikariCP actually runs with for these values, and a note for every
    /// value it replaces (`HikariConfig` setters and `validateNumerics`, in its order):
    ///
    /// 1. `maxLifetime` ≠ 0 and < 30 s → 30 min.
    /// 2. `connectionTimeout` 0 → `Integer.MAX_VALUE` ms (no limit); < 250 ms → 30 s
    ///    (`setConnectionTimeout` throws for it; `validateNumerics` resets it).
    /// 3. `maximumPoolSize` < 1 → 10 (2.7.9: `minimumIdle` when > 0, else 10).
    /// 4. `minimumIdle` unset, < 0 or > `maximumPoolSize` → `maximumPoolSize`.
    /// 5. `idleTimeout` + 1 s > `maxLifetime` (with `maxLifetime` > 0) → 0 (disabled); else
    ///    `idleTimeout` ≠ 0 and < 10 s → 10 min (HikariCP's default, not 10 s). Current
    ///    HikariCP applies both only to a pool that can shrink (`minimumIdle` < `maximumPoolSize`)
    ///    and warns that `idleTimeout` has no effect on a fixed-size pool; 2.7.9 applies them
    ///    to every pool, before `minimumIdle` is resolved.
    ///
    /// `minIdle` `nil` means unset (HikariCP's `-1`). Everything else of the returned
    /// configuration has its default.
    public static func hikariEffective(
        maxSize: Int, minIdle: Int?, connectionTimeout: Duration, idleTimeout: Duration, maxLifetime: Duration,
        release: HikariRelease = .current
    ) -> (configuration: PoolConfiguration, notes: [ClampNote]) {
        var notes: [ClampNote] = []
        func note(_ setting: String, _ given: String, _ effective: String, _ reason: String, rejected: Bool = false) {
            notes.append(ClampNote(setting: setting, given: given, effective: effective, reason: reason, rejectedBySetter: rejected))
        }
        let defaultLifetime = Duration.seconds(1800), defaultIdle = Duration.seconds(600)

        var lifetime = maxLifetime
        if lifetime != .zero && lifetime < .seconds(30) {
            lifetime = defaultLifetime
            note("maxLifetime", show(maxLifetime), show(lifetime), "maxLifetime is less than 30000ms, setting to default 1800000ms")
        }

        var timeout = connectionTimeout
        if timeout == .zero {
            timeout = unboundedAcquireTimeout
            note("connectionTimeout", show(connectionTimeout), show(timeout), "0 means no limit: Integer.MAX_VALUE ms")
        } else if timeout < .milliseconds(250) {
            timeout = .seconds(30)
            note("connectionTimeout", show(connectionTimeout), show(timeout),
                 "connectionTimeout is less than 250ms, setting to 30000ms", rejected: true)
        }

        var size = maxSize
        if size < 1 {
            if release == .v2_7_9, let minIdle, minIdle > 0 { size = minIdle } else { size = 10 }
            note("maximumPoolSize", String(maxSize), String(size), "maximumPoolSize below 1 takes the default", rejected: true)
        }

        var idle = idleTimeout
        var resolvedMinIdle = minIdle ?? -1
        func applyIdleRules(canShrink: Bool) {
            if idle + .seconds(1) > lifetime && lifetime > .zero && canShrink {
                idle = .zero
                note("idleTimeout", show(idleTimeout), show(idle), "idleTimeout is close to or more than maxLifetime, disabling it")
            } else if idle != .zero && idle < .seconds(10) && canShrink {
                idle = defaultIdle
                note("idleTimeout", show(idleTimeout), show(idle), "idleTimeout is less than 10000ms, setting to default 600000ms")
            } else if release == .current && idle != defaultIdle && idle != .zero && !canShrink {
                note("idleTimeout", show(idleTimeout), show(idle),
                     "idleTimeout has been set but has no effect because the pool is operating as a fixed size pool")
            }
        }
        if release == .v2_7_9 { applyIdleRules(canShrink: true) }
        if resolvedMinIdle < 0 || resolvedMinIdle > size {
            if let minIdle { note("minimumIdle", String(minIdle), String(size), "minimumIdle must lie in 0...maximumPoolSize") }
            resolvedMinIdle = size
        }
        if release == .current { applyIdleRules(canShrink: resolvedMinIdle < size) }

        let configuration = PoolConfiguration(
            maxSize: size, minIdle: resolvedMinIdle, acquireTimeout: timeout, idleTimeout: idle, maxLifetime: lifetime)
        return (configuration, notes)
    }

    /// HikariCP's back-off between failed connection attempts for `release`: current,
    /// 10 ms doubling up to 5 s; 2.7.9, 250 ms growing by 1.5 up to min(10 s, connectionTimeout).
    public mutating func useConnectBackoff(of release: HikariRelease) {
        switch release {
        case .current:
            (connectBackoffInitial, connectBackoffMultiplier, connectBackoffMax) = (.milliseconds(10), 2, .seconds(5))
        case .v2_7_9:
            (connectBackoffInitial, connectBackoffMultiplier, connectBackoffMax) = (.milliseconds(250), 1.5, min(.seconds(10), acquireTimeout))
        }
    }
}

/// `1800s` → `30min`, `250ms`, `1.5s`: short and exact.
private func show(_ d: Duration) -> String {
    let ms = d.wholeMilliseconds
    if ms != 0 && ms % 60_000 == 0 { return "\(ms / 60_000)min" }
    if ms % 1000 == 0 { return "\(ms / 1000)s" }
    return "\(ms)ms"
}
