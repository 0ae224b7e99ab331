import ConfgateCore
import Testing
@testable import ConfgatePostgres

@Suite("PGConnection without a server")
struct PGConnectionUnitTests {
    @Test func verboseConnectMessageYieldsSQLState() {
        let e = PGError.fromMessage(
            .connect,
            "connection to server on socket \"/tmp/x/.s.PGSQL.5432\" failed: FATAL:  53300: sorry, too many clients already\nLOCATION:  InitProcess, proc.c:359\n",
            password: nil)
        #expect(e.sqlState == "53300")
        #expect(e.message.contains("sorry, too many clients already"))
        #expect(!e.message.contains("LOCATION"))
        #expect(e.description.hasPrefix("connect failed [53300]:"))
    }

    @Test func passwordIsScrubbedFromMessages() {
        let e = PGError.fromMessage(.connect, "FATAL:  28P01: password authentication failed: s3cret", password: "s3cret")
        #expect(!e.description.contains("s3cret"))
        #expect(e.sqlState == "28P01")
    }

    @Test func missingSocketIsAConnectErrorWithoutSQLState() async {
        do {
            _ = try await PGConnection.connect(parameters: ["host": "/nonexistent-confgate", "port": "5432", "dbname": "x", "user": "x"])
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .connect)
            #expect(error.sqlState == nil)
        }
    }

    @Test func byteaRoundTrips() {
        let bytes: [UInt8] = [0, 1, 0xab, 0xff]
        #expect(PGBytea.encode(bytes) == "\\x0001abff")
        #expect(PGBytea.decode("\\x0001abff") == bytes)
        #expect(PGBytea.decode("nope") == nil)
        #expect(bytes.withUnsafeBytes { PGBytea.encode($0) } == "\\x0001abff", "raw bytes, as a digest's")
        #expect(PGBytea.decode("\\xABff") == [0xab, 0xff], "either case")
        #expect(PGBytea.decode("\\x") == [])
        #expect(PGBytea.decode("\\x0") == nil, "half a byte")
        #expect(PGBytea.decode("\\x0g") == nil, "not a hex digit")
    }

    @Test func connectionParametersKeepSessionKeysAndReplaceTarget() {
        let dsn = DSN(raw: "", parameters: [
            .init(keyword: "host", value: "db.internal"), .init(keyword: "port", value: "6432"),
            .init(keyword: "dbname", value: "auth"), .init(keyword: "user", value: "svc"),
            .init(keyword: "password", value: "pw"), .init(keyword: "sslmode", value: "require"),
            .init(keyword: "application_name", value: "auth-service"),
            .init(keyword: "options", value: "-c search_path=public"),
            .init(keyword: "connect_timeout", value: "10"),
        ])
        let target = ConnectionTarget(host: "/tmp/cg-abc", port: 5432, database: "auth", user: "auth")
        let db = Settings.Database(dsn: dsn, connectTimeout: .milliseconds(2500),
                                   statementTimeout: .seconds(2), idleInTransactionSessionTimeout: .seconds(10))
        let p = connectionParameters(dsn: dsn, target: target, database: db)
        #expect(p["host"] == "/tmp/cg-abc")
        #expect(p["port"] == "5432")
        #expect(p["user"] == "auth")
        #expect(p["password"] == nil)
        #expect(p["sslmode"] == nil)
        #expect(p["application_name"] == "auth-service")
        #expect(p["connect_timeout"] == "3")
        #expect(p["options"] == "-c search_path=public -c statement_timeout=2000 -c idle_in_transaction_session_timeout=10000")
    }

    @Test func urlHidesPassword() {
        let t = ConnectionTarget(host: "localhost", port: 5432, database: "auth", user: "su", password: "hunter2")
        #expect(t.url() == "postgresql://su:***@localhost:5432/auth")
        #expect(t.url(revealPassword: true).contains("hunter2"))
        let s = ConnectionTarget(host: "/tmp/cg-x", port: 5432, database: "auth", user: "auth")
        #expect(s.url() == "postgresql://auth@/auth?host=%2Ftmp%2Fcg-x&port=5432")
    }
}
