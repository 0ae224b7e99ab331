/// How one login ended (design §5.3).
public enum OutcomeClass: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Logged in.
    case ok
    /// Wrong password: an expected outcome, not a failure.
    case badPassword = "bad_password"
    /// No pooled connection within `acquire_timeout`.
    case poolTimeout = "pool_timeout"
    /// The server refused or failed a new connection (with its SQLSTATE, e.g. 53300).
    case connectFailed = "connect_failed"
    /// A statement failed (with its SQLSTATE, e.g. 57014 statement timeout).
    case queryFailed = "query_failed"
    /// A pooler refused the pool's connection (`PoolerRefusal`: `max_client_conn`, or its
    /// server logins failing), with its SQLSTATE (08P01).
    case poolerRefused = "pooler_refused"
    /// A pooler disconnected a client that waited `query_wait_timeout` for a server connection.
    case poolerTimeout = "pooler_timeout"
    /// The caller gave up after `request_timeout`.
    case requestTimeout = "request_timeout"

    /// Whether this outcome is an infrastructure failure, the kind the gate counts.
    public var isFailure: Bool { self != .ok && self != .badPassword }

    public static func < (a: OutcomeClass, b: OutcomeClass) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// An outcome class with the SQLSTATE that caused it, where there is one.
public struct Outcome: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var kind: OutcomeClass
    /// Five-character SQLSTATE, e.g. `53300`; `nil` when the failure has none.
    public var sqlState: String?

    public init(_ kind: OutcomeClass, sqlState: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
    }

    public static let ok = Outcome(.ok)
    public static let badPassword = Outcome(.badPassword)

    /// `connect_failed 53300`, or just the class.
    public var description: String {
        sqlState.map { "\(kind.rawValue) \($0)" } ?? kind.rawValue
    }

    public static func < (a: Outcome, b: Outcome) -> Bool {
        (a.kind, a.sqlState ?? "") < (b.kind, b.sqlState ?? "")
    }
}

/// How many logins ended with one outcome, by phase, and when the first one did.
public struct OutcomeTally: Hashable, Sendable, Codable {
    public var outcome: Outcome
    public var count: Int
    /// Counts per phase (`warmup`, `steady`, `spike`, `deploy`).
    public var byPhase: [Phase: Int]
    /// Microseconds from the trial's start to the first such login's scheduled start.
    public var firstAt: Int64

    public init(outcome: Outcome, count: Int = 0, byPhase: [Phase: Int] = [:], firstAt: Int64 = .max) {
        self.outcome = outcome
        self.count = count
        self.byPhase = byPhase
        self.firstAt = firstAt
    }

    /// Adds one login scheduled at `offset` in `phase`.
    public mutating func add(phase: Phase, offset: Int64) {
        count += 1
        byPhase[phase, default: 0] += 1
        firstAt = min(firstAt, offset)
    }
}

extension Outcome {
    /// Reads `connect_failed 53300` or `ok` back (the form `description` writes).
    public init?(description: String) {
        let parts = description.split(separator: " ", maxSplits: 1).map(String.init)
        guard let kind = OutcomeClass(rawValue: parts.first ?? "") else { return nil }
        self.init(kind, sqlState: parts.count > 1 ? parts[1] : nil)
    }
}

/// Logins by outcome in one interval. Typed in memory; in JSON an object keyed by the
/// outcome's description (`{"ok": 38, "connect_failed 53300": 2}`).
public struct OutcomeCounts: Hashable, Sendable, Codable {
    public var counts: [Outcome: Int]

    public init(_ counts: [Outcome: Int] = [:]) { self.counts = counts }

    public subscript(outcome: Outcome) -> Int? { counts[outcome] }

    /// The outcomes present, in `Outcome` order.
    public var outcomes: [Outcome] { counts.keys.sorted() }

    /// Logins that failed for infrastructure reasons (not `ok`, not `bad_password`).
    public var failures: Int { counts.filter { $0.key.kind.isFailure }.values.reduce(0, +) }

    /// The largest count of any outcome.
    public var highest: Int { counts.values.max() ?? 0 }

    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode([String: Int].self)
        var counts: [Outcome: Int] = [:]
        for (key, value) in raw {
            guard let outcome = Outcome(description: key) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown outcome `\(key)`"))
            }
            counts[outcome] = value
        }
        self.counts = counts
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.description, $0.value) }))
    }
}
