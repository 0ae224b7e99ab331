/// A refused connection as the server's log tells it (`--log FILE`): PostgreSQL logs every
/// connection it refuses for want of a slot at `FATAL`, which its statistics views never show.
public struct ServerLogRefusal: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// `sorry, too many clients already` (53300): max_connections reached.
        case tooManyClients = "too_many_clients"
        /// `remaining connection slots are reserved for …` (53300): only reserved slots were left.
        case reservedSlots = "reserved_slots"
        /// `too many connections for role "…"` (53300): the role's CONNECTION LIMIT.
        case roleLimit = "role_limit"
        /// `too many connections for database "…"` (53300): the database's CONNECTION LIMIT.
        case databaseLimit = "database_limit"
        /// PgBouncer's `no more connections allowed (max_client_conn)`.
        case poolerMaxClientConn = "max_client_conn"

        /// The words that identify it in a log line.
        public var phrase: String {
            switch self {
            case .tooManyClients: "sorry, too many clients already"
            case .reservedSlots: "remaining connection slots are reserved"
            case .roleLimit: "too many connections for role"
            case .databaseLimit: "too many connections for database"
            case .poolerMaxClientConn: "no more connections allowed (max_client_conn)"
            }
        }
    }

    /// Seconds since the canary started, when the canary read the line.
    public var at: Double
    public var kind: Kind
    /// The log line (cut to 300 characters).
    public var line: String

    public init(at: Double, kind: Kind, line: String) {
        self.at = at
        self.kind = kind
        self.line = line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// The refusal a log line reports, or nil. PostgreSQL's refusals must be at `FATAL` (in
    /// the plain, csvlog and jsonlog formats alike the severity comes before the message), so
    /// a statement or a `DETAIL` that merely quotes the words does not count; PgBouncer's is
    /// matched on its words. The server's `lc_messages` must be English (the default `C`).
    public static func kind(of line: some StringProtocol) -> Kind? {
        for kind in Kind.allCases {
            guard let phrase = line.range(of: kind.phrase) else { continue }
            if kind == .poolerMaxClientConn || line[..<phrase.lowerBound].contains("FATAL") { return kind }
        }
        return nil
    }
}

/// What `--log FILE` saw: the lines read since the canary started, and the refusals among them.
public struct ServerLogWatch: Hashable, Sendable, Codable {
    public var file: String
    /// Complete lines read since the start (the file is read from its end at start).
    public var lines: Int
    public var refusals: [ServerLogRefusal]
    /// Truncations and rotations followed (the file shrank or was replaced, and was reopened).
    public var reopened: Int

    public init(file: String, lines: Int = 0, refusals: [ServerLogRefusal] = [], reopened: Int = 0) {
        self.file = file
        self.lines = lines
        self.refusals = refusals
        self.reopened = reopened
    }

    /// Reads `lines` at `at`: counts them and keeps the refusals.
    public mutating func read(_ lines: [String], at: Double) {
        self.lines += lines.count
        for line in lines {
            if let kind = ServerLogRefusal.kind(of: line) { refusals.append(.init(at: at, kind: kind, line: line)) }
        }
    }
}
