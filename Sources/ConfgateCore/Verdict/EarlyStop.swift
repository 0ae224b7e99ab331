/// When `verify` may stop before its last round: the evidence already decides the verdict.
///
/// Only a block stops early, and only on proof: in one round, the proposed side's server
/// refused connections (SQLSTATE 53300), or its pooler did (`max_client_conn`), or logins failed while its connections stood at the
/// usable limit — while the current side, in the same round on the same machine, ran cleanly
/// (no failed login, below its limit, the driver on schedule). `VerdictJudge` counts the
/// server's limit as evidence in any single round, so the remaining rounds could not change
/// the decision. A pass never stops early: it needs every round's latency.
public enum EarlyStop {
    /// Why the rounds after this one need not run, or `nil` to go on.
    public static func conclusive(current: VerifyResult.Trial, proposed: VerifyResult.Trial, gate: GateSettings.Gate) -> String? {
        guard let c = current.result?.summary, let p = proposed.result?.summary,
              c.complete, p.complete, !c.lagTooHigh, !p.lagTooHigh else { return nil }
        let currentClean = c.failures == 0 && c.peakServerConnections < c.usable && c.instancesNotStarted == nil
        guard currentClean else { return nil }
        let refused = p.outcomes.filter { $0.outcome.sqlState == "53300" }.reduce(0) { $0 + $1.count }
            + (p.connectFailures["53300"] ?? 0)
        if refused > 0 {
            return "the proposed side's server refused connections (53300) in round \(proposed.round) while the current side ran cleanly"
        }
        let poolerRefused = p.outcomes.filter { $0.outcome.kind == .poolerRefused }.reduce(0) { $0 + $1.count }
            + (p.connectFailures[PoolerRefusal.maxClientConn.rawValue] ?? 0)
        if let failure = p.instancesNotStarted?.first {
            return "\(failure.instance) of the proposed side did not start in round \(proposed.round) (its first connection: \(failure.reason)) while the current side ran cleanly"
        }
        if poolerRefused > 0 {
            return "the proposed side's pooler refused connections (max_client_conn) in round \(proposed.round) while the current side ran cleanly"
        }
        if p.failures > gate.maxFailedLogins, p.peakServerConnections >= p.usable {
            return "\(p.failures) logins failed in round \(proposed.round) with the proposed side's connections at the usable limit (\(p.peakServerConnections)/\(p.usable)) while the current side ran cleanly"
        }
        return nil
    }
}
