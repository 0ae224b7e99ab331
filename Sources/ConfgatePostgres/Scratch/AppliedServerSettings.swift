import ConfgateCore

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

extension AppliedServerSettings {
    /// Reads back, on `admin`, the settings in force on a trial's server, scratch or existing
    /// alike: `max_connections`, `superuser_reserved_connections` and, on PostgreSQL 16+,
    /// `reserved_connections`. A `SHOW` that fails or does not give a number is
    /// `.environment` (exit 3): a trial judged against a limit it could not read means nothing.
    /// - Parameters:
    ///   - asked: the side's `[server]` section, to say where the server differs from it.
    ///   - major: the server's major version.
    ///   - roleLimit: on PostgreSQL < 16, the `CONNECTION LIMIT` confgate set on the service
    ///     role to model `reserved_connections` (a scratch server); `nil`: not modelled.
    static func readBack(
        _ admin: PGConnection, asked: Settings.Server, major: Int, roleLimit: Int?
    ) async throws(ConfgateError) -> AppliedServerSettings {
        func show(_ name: String) async throws(ConfgateError) -> Int {
            let value: String?
            do { value = try await admin.query("SHOW \(name)").scalar } catch {
                throw ConfgateError(.environment, "SHOW \(name) failed: \(error)")
            }
            guard let value, let n = Int(value) else {
                throw ConfgateError(.environment, "SHOW \(name) returned \(value ?? "NULL")")
            }
            return n
        }
        return AppliedServerSettings(
            asked: asked, major: major, maxConnections: try await show("max_connections"),
            superuserReservedConnections: try await show("superuser_reserved_connections"),
            reservedConnectionsShown: major >= 16 ? try await show("reserved_connections") : nil,
            roleLimit: roleLimit)
    }

    /// The settings read back (`readBack`), with a note for each that differs from `asked`.
    /// - Parameter reservedConnectionsShown: `reserved_connections` as the server shows it;
    ///   `nil` before PostgreSQL 16, where it is the asked value when modelled by `roleLimit`,
    ///   else none.
    init(
        asked: Settings.Server, major: Int, maxConnections: Int, superuserReservedConnections: Int,
        reservedConnectionsShown: Int?, roleLimit: Int?
    ) {
        var notes: [String] = []
        if maxConnections != asked.maxConnections {
            notes.append("max_connections is the server's own: \(maxConnections), not \(asked.maxConnections) as asked")
        }
        if superuserReservedConnections != asked.superuserReservedConnections {
            notes.append("superuser_reserved_connections is the server's own: \(superuserReservedConnections), not \(asked.superuserReservedConnections) as asked")
        }
        let reserved: Int
        if let shown = reservedConnectionsShown {
            reserved = shown
            if shown != asked.reservedConnections {
                notes.append("reserved_connections is the server's own: \(shown), not \(asked.reservedConnections) as asked")
            }
        } else if let roleLimit {
            reserved = asked.reservedConnections
            notes.append("PostgreSQL \(major) has no reserved_connections (16+): modelled as CONNECTION LIMIT \(roleLimit) on role \(AuthSchema.serviceRole), the only non-superuser role; refusals are SQLSTATE 53300 either way")
        } else {
            reserved = 0
            if asked.reservedConnections != 0 {
                notes.append("PostgreSQL \(major) has no reserved_connections; \(asked.reservedConnections) asked, not modelled on a shared server")
            }
        }
        self.init(
            maxConnections: maxConnections, superuserReservedConnections: superuserReservedConnections,
            reservedConnections: reserved, reservedModelledByRoleLimit: roleLimit != nil, notes: notes)
    }

    /// Records the `other_clients` connections opened (`OtherClients.open`) and its note.
    mutating func record(otherClientsHeld held: Int, note: String?) {
        otherClientsHeld = held
        if let note { notes.append(note) }
    }
}
