/// One row of PgBouncer's `SHOW POOLS`: a database/user pair's clients and server
/// connections at that moment.
public struct PgBouncerPoolRow: Hashable, Sendable {
    public var database: String
    public var user: String
    /// Clients paired with a server connection (or idle in session mode with one).
    public var clActive: Int
    /// Clients that sent a query and wait for a server connection.
    public var clWaiting: Int
    /// Server connections paired with a client.
    public var svActive: Int
    /// Server connections free for use.
    public var svIdle: Int
    /// Server connections idle for longer than `server_check_delay`, to be checked before use.
    public var svUsed: Int
    /// Server connections running the reset or check query.
    public var svTested: Int
    /// Server connections logging in.
    public var svLogin: Int
    /// How long the oldest waiting client has waited: whole seconds (`maxwait`) plus
    /// microseconds (`maxwait_us`).
    public var maxwait: Int
    public var maxwaitUs: Int
    public var poolMode: String

    public init(
        database: String, user: String, clActive: Int, clWaiting: Int, svActive: Int, svIdle: Int,
        svUsed: Int, svTested: Int, svLogin: Int, maxwait: Int, maxwaitUs: Int, poolMode: String
    ) {
        self.database = database
        self.user = user
        self.clActive = clActive
        self.clWaiting = clWaiting
        self.svActive = svActive
        self.svIdle = svIdle
        self.svUsed = svUsed
        self.svTested = svTested
        self.svLogin = svLogin
        self.maxwait = maxwait
        self.maxwaitUs = maxwaitUs
        self.poolMode = poolMode
    }

    /// The oldest client's wait as a duration.
    public var maxWait: Duration { .seconds(maxwait) + .microseconds(maxwaitUs) }

    /// Every server connection of the pool, whatever its state.
    public var serverConnections: Int { svActive + svIdle + svUsed + svTested + svLogin }

    /// A column `SHOW POOLS` lacked, or a value that is not what it should be.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { "cannot read SHOW POOLS: \(message)" }
    }

    /// Reads `SHOW POOLS` output, given as column names and rows of text (libpq's text
    /// format), by column name: versions add columns (1.18 has `cl_active_cancel_req` and
    /// others), and those not read here are ignored.
    public static func parse(columns: [String], rows: [[String?]]) throws(ParseError) -> [PgBouncerPoolRow] {
        var index: [String: Int] = [:]
        for (i, name) in columns.enumerated() { index[name] = i }
        var parsed: [PgBouncerPoolRow] = []
        for row in rows {
            func text(_ name: String) throws(ParseError) -> String {
                guard let i = index[name] else { throw ParseError(message: "no column \(name)") }
                guard i < row.count, let value = row[i] else { throw ParseError(message: "\(name) is NULL") }
                return value
            }
            func int(_ name: String) throws(ParseError) -> Int {
                let value = try text(name)
                guard let n = Int(value) else { throw ParseError(message: "\(name) is not a number: \(value)") }
                return n
            }
            parsed.append(PgBouncerPoolRow(
                database: try text("database"), user: try text("user"),
                clActive: try int("cl_active"), clWaiting: try int("cl_waiting"),
                svActive: try int("sv_active"), svIdle: try int("sv_idle"), svUsed: try int("sv_used"),
                svTested: try int("sv_tested"), svLogin: try int("sv_login"),
                maxwait: try int("maxwait"), maxwaitUs: try int("maxwait_us"), poolMode: try text("pool_mode")))
        }
        return parsed
    }
}
