/// The server settings really in force for a trial, read back from the server (`SHOW`),
/// and what could not be applied as asked.
public struct AppliedServerSettings: Hashable, Sendable, Codable {
    public var maxConnections: Int
    public var superuserReservedConnections: Int
    /// `reserved_connections` in force: the server's own on PostgreSQL 16+, the modelled
    /// value on 15 (see `reservedModelledByRoleLimit`).
    public var reservedConnections: Int
    /// On PostgreSQL < 16, `reserved_connections` is modelled as `ALTER ROLE auth CONNECTION
    /// LIMIT (max_connections − superuser_reserved − reserved)`: equivalent because `auth` is
    /// the only non-superuser role, and its refusals carry the same SQLSTATE 53300.
    public var reservedModelledByRoleLimit: Bool
    /// `other_clients` connections confgate opened (as `auth`) and holds for the trial.
    public var otherClientsHeld: Int
    /// Lines for the user: settings that differ from what was asked, and why.
    public var notes: [String]

    public init(
        maxConnections: Int, superuserReservedConnections: Int, reservedConnections: Int,
        reservedModelledByRoleLimit: Bool = false, otherClientsHeld: Int = 0, notes: [String] = []
    ) {
        self.maxConnections = maxConnections
        self.superuserReservedConnections = superuserReservedConnections
        self.reservedConnections = reservedConnections
        self.reservedModelledByRoleLimit = reservedModelledByRoleLimit
        self.otherClientsHeld = otherClientsHeld
        self.notes = notes
    }

    /// Connections the service role can open while the other clients hold theirs.
    public var usable: Int {
        maxConnections - superuserReservedConnections - reservedConnections - otherClientsHeld
    }
}
