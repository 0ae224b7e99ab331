import Testing
@testable import ConfgateCore

/// The `--log` recogniser: the lines PostgreSQL and PgBouncer write when they refuse a
/// connection, in each log format, and the lines that only quote the words.
@Suite struct ServerLogRefusalTests {
    @Test func postgresRefusalsInThePlainFormat() {
        let lines: [(String, ServerLogRefusal.Kind)] = [
            ("2026-11-30 00:12:01.123 UTC [4711] FATAL:  sorry, too many clients already", .tooManyClients),
            ("2026-11-30 00:12:01.123 UTC [4711] auth@auth FATAL:  53300: sorry, too many clients already", .tooManyClients),
            ("2026-11-30 00:12:01 UTC [4712] FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute", .reservedSlots),
            ("FATAL:  remaining connection slots are reserved for non-replication superuser connections", .reservedSlots),
            ("2026-11-30 00:12:02 UTC [4713] FATAL:  too many connections for role \"auth\"", .roleLimit),
            ("2026-11-30 00:12:02 UTC [4714] FATAL:  too many connections for database \"auth\"", .databaseLimit),
        ]
        for (line, kind) in lines { #expect(ServerLogRefusal.kind(of: line) == kind, "\(line)") }
    }

    @Test func csvlogAndJsonlogCarryTheSeverityBeforeTheMessage() {
        #expect(ServerLogRefusal.kind(of: #"2026-11-30 00:12:01.123 UTC,"auth","auth",4711,"[local]",65a1.1,1,"startup",2026-11-30 00:12:01 UTC,,0,FATAL,53300,"sorry, too many clients already",,,,,,,,,"","client backend",,0"#) == .tooManyClients)
        #expect(ServerLogRefusal.kind(of: #"{"timestamp":"2026-11-30 00:12:01.123 UTC","user":"auth","error_severity":"FATAL","state_code":"53300","message":"too many connections for role \"auth\""}"#) == .roleLimit)
    }

    @Test func pgbouncerRefusingAClient() {
        #expect(ServerLogRefusal.kind(of: "2026-11-30 00:12:03.456 UTC [99] WARNING C-0x55d1: (nodb)/(nouser)@127.0.0.1:40112 pooler error: no more connections allowed (max_client_conn)") == .poolerMaxClientConn)
        #expect(ServerLogRefusal.kind(of: "2026-11-30 00:12:03.456 UTC [99] LOG C-0x55d1: (nodb)/(nouser)@127.0.0.1:40112 closing because: no more connections allowed (max_client_conn) (age=0s)") == .poolerMaxClientConn)
    }

    @Test func linesThatOnlyQuoteTheWordsAreNotRefusals() {
        #expect(ServerLogRefusal.kind(of: "2026-11-30 00:12:04 UTC [4720] LOG:  statement: SELECT 'sorry, too many clients already'") == nil)
        #expect(ServerLogRefusal.kind(of: "2026-11-30 00:12:04 UTC [4720] ERROR:  relation \"too many connections for role\" does not exist") == nil)
        #expect(ServerLogRefusal.kind(of: "2026-11-30 00:12:04 UTC [4720] LOG:  connection received: host=[local]") == nil)
        #expect(ServerLogRefusal.kind(of: "") == nil)
    }

    @Test func aWatchCountsLinesAndKeepsTheRefusalsWithTheirLine() {
        var watch = ServerLogWatch(file: "/var/log/postgresql/main.log")
        watch.read(["LOG:  checkpoint starting: time", "[1] FATAL:  sorry, too many clients already"], at: 2)
        watch.read(["[2] FATAL:  too many connections for role \"auth\""], at: 3.5)
        #expect(watch.lines == 3)
        #expect(watch.refusals == [.init(at: 2, kind: .tooManyClients, line: "[1] FATAL:  sorry, too many clients already"),
                                   .init(at: 3.5, kind: .roleLimit, line: "[2] FATAL:  too many connections for role \"auth\"")])
        #expect(ServerLogRefusal(at: 0, kind: .roleLimit, line: String(repeating: "x", count: 400)).line.count == 301)
    }
}
