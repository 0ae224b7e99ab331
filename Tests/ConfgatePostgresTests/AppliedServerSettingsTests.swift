import ConfgateCore
import Testing
@testable import ConfgatePostgres

/// The reading back of a trial's server settings, one piece for the scratch and the existing
/// server: what is in force, and the notes where it differs from the side's `[server]`.
/// Pure: the values a server would `SHOW` are given.
@Suite struct AppliedServerSettingsTests {
    private let asked = Settings.Server(maxConnections: 100, superuserReservedConnections: 3, reservedConnections: 5)

    @Test func aServerThatAppliedEverythingGivesNoNotes() {
        let a = AppliedServerSettings(asked: asked, major: 16, maxConnections: 100, superuserReservedConnections: 3,
                                      reservedConnectionsShown: 5, roleLimit: nil)
        #expect(a.notes.isEmpty)
        #expect(a.reservedConnections == 5)
        #expect(!a.reservedModelledByRoleLimit)
        #expect(a.usable == 92)
    }

    @Test func aServersOwnLimitsAreInForceAndEachSaysSo() {
        let a = AppliedServerSettings(asked: asked, major: 16, maxConnections: 20, superuserReservedConnections: 2,
                                      reservedConnectionsShown: 0, roleLimit: nil)
        #expect(a.usable == 18)
        #expect(a.notes == [
            "max_connections is the server's own: 20, not 100 as asked",
            "superuser_reserved_connections is the server's own: 2, not 3 as asked",
            "reserved_connections is the server's own: 0, not 5 as asked",
        ])
    }

    @Test func before16ReservedConnectionsModelledByTheRoleLimitCount() {
        let a = AppliedServerSettings(asked: asked, major: 15, maxConnections: 100, superuserReservedConnections: 3,
                                      reservedConnectionsShown: nil, roleLimit: 92)
        #expect(a.reservedConnections == 5)
        #expect(a.reservedModelledByRoleLimit)
        #expect(a.usable == 92)
        #expect(a.notes == ["PostgreSQL 15 has no reserved_connections (16+): modelled as CONNECTION LIMIT 92 on role auth, the only non-superuser role; refusals are SQLSTATE 53300 either way"])
    }

    @Test func before16OnASharedServerReservedConnectionsAreNotModelled() {
        let a = AppliedServerSettings(asked: asked, major: 14, maxConnections: 100, superuserReservedConnections: 3,
                                      reservedConnectionsShown: nil, roleLimit: nil)
        #expect(a.reservedConnections == 0)
        #expect(!a.reservedModelledByRoleLimit)
        #expect(a.notes == ["PostgreSQL 14 has no reserved_connections; 5 asked, not modelled on a shared server"])

        var none = asked
        none.reservedConnections = 0
        let b = AppliedServerSettings(asked: none, major: 14, maxConnections: 100, superuserReservedConnections: 3,
                                      reservedConnectionsShown: nil, roleLimit: nil)
        #expect(b.notes.isEmpty)
    }

    @Test func otherClientsHeldTakeTheirSlotsAndAddTheirNote() {
        var a = AppliedServerSettings(asked: asked, major: 16, maxConnections: 100, superuserReservedConnections: 3,
                                      reservedConnectionsShown: 5, roleLimit: nil)
        a.record(otherClientsHeld: 4, note: nil)
        #expect(a.usable == 88)
        #expect(a.notes.isEmpty)
        a.record(otherClientsHeld: 2, note: "only 2 of other_clients = 4 could connect: refused")
        #expect(a.otherClientsHeld == 2)
        #expect(a.notes == ["only 2 of other_clients = 4 could connect: refused"])
    }
}
