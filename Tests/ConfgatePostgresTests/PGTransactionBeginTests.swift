import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

/// A transaction's `BEGIN` travels with its first statement (one exchange, as pgJDBC sends
/// it), on a real server.
@Suite("PGConnection: BEGIN with the first statement")
struct PGTransactionBeginTests {
    @Test func aTransactionOfThreeStatementsIsFourExchanges() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let before = conn.exchangeCount
            let xid = try await conn.transaction { (c: PGConnection) throws(PGError) -> String? in
                _ = try await c.query("UPDATE users SET failed_attempts = 0 WHERE id = $1", ["1"])
                // The first statement's write belongs to the transaction BEGIN opened: it has
                // an id here, in the next statement.
                let xid = try await c.query("SELECT pg_current_xact_id_if_assigned()::text").scalar
                _ = try await c.query("SELECT 1")
                return xid
            }
            #expect(xid != nil)
            #expect(conn.exchangeCount - before == 4)
            // The connection is back out of the transaction and of pipeline mode.
            #expect(try await conn.query("SELECT 1").scalar == "1")
            #expect(try await conn.query("SELECT pg_current_xact_id_if_assigned()::text").scalar == nil)
            await conn.close()
        }
    }

    /// `queryFirstRow` (the login's read of its user) reads the first row in place: the same
    /// values `query` returns, NULL as nil, no row as nil; as a transaction's first statement
    /// it carries the `BEGIN` too.
    @Test func queryFirstRowReadsTheRowInPlaceAndCarriesTheBegin() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let sql = "SELECT id, salt, last_login_at FROM users WHERE email = $1"
            let copied = try await conn.query(sql, [AuthSchema.email(forUser: 5)]).rows.first
            let before = conn.exchangeCount
            let read = try await conn.transaction { (c: PGConnection) throws(PGError) in
                try await c.queryFirstRow(sql, [AuthSchema.email(forUser: 5)]) { row in
                    (id: row.text(0), salt: row.bytea(1), textSalt: row.text(1), lastLogin: row.text(2), saltAsBytes: row.bytea(0))
                }
            }
            #expect(conn.exchangeCount - before == 2, "BEGIN with the SELECT, then COMMIT")
            #expect(read?.id == "5" && read?.id == copied?[0])
            #expect(read?.salt != nil && read?.salt == copied?[1].flatMap(PGBytea.decode))
            #expect(read?.textSalt == copied?[1])
            #expect(read?.lastLogin == nil, "NULL")
            #expect(read?.saltAsBytes == nil, "not a bytea in hex format")
            let none = try await conn.queryFirstRow(sql, ["nobody@example.test"]) { $0.text(0) }
            #expect(none == nil)
            await conn.close()
        }
    }

    @Test func aFirstStatementThatFailsRollsBackAndLeavesTheConnectionUsable() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            await #expect {
                try await conn.transaction { (c: PGConnection) throws(PGError) in
                    _ = try await c.query("SELECT * FROM nope WHERE x = $1", ["1"])
                }
            } throws: { ($0 as? PGError)?.sqlState == "42P01" && ($0 as? PGError)?.kind == .query }
            // A second transaction after the failed one works and commits.
            try await conn.transaction { (c: PGConnection) throws(PGError) in
                _ = try await c.query("UPDATE users SET failed_attempts = 7 WHERE id = $1", ["2"])
            }
            #expect(try await conn.query("SELECT failed_attempts FROM users WHERE id = 2").scalar == "7")
            await conn.close()
        }
    }

    @Test func aBodyThatRunsNothingSendsNothing() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let before = conn.exchangeCount
            let value = try await conn.transaction { (_: PGConnection) throws(PGError) -> Int in 42 }
            #expect(value == 42)
            #expect(conn.exchangeCount == before)
            // A statement after it is not in a transaction (no BEGIN left pending).
            _ = try await conn.query("UPDATE users SET failed_attempts = 3 WHERE id = $1", ["3"])
            #expect(try await conn.query("SELECT pg_current_xact_id_if_assigned()::text").scalar == nil)
            await conn.close()
        }
    }

    @Test func aFirstSimpleStatementCarriesTheBeginToo() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            await #expect {
                try await conn.transaction { (c: PGConnection) throws(PGError) in
                    try await c.execute("UPDATE users SET failed_attempts = 5 WHERE id = 4")
                    _ = try await c.query("SELECT 1/0")
                }
            } throws: { ($0 as? PGError)?.sqlState == "22012" }
            // The UPDATE was inside the transaction, so the failure rolled it back.
            #expect(try await conn.query("SELECT failed_attempts FROM users WHERE id = 4").scalar == "0")
            await conn.close()
        }
    }
}
