import Foundation
import Testing
@testable import ConfgateCore

@Suite("DSN: parsed by libpq, password never shown")
struct DSNTests {
    @Test func uriAndKeyValueFormsMeanTheSame() throws {
        let uri = try DSNParser.parse("postgresql://auth:pw@db.internal:5432/auth?application_name=auth-service")
        let conninfo = try DSNParser.parse("host=db.internal port=5432 dbname=auth user=auth password=pw application_name=auth-service")
        #expect(uri.parameters.sorted { $0.keyword < $1.keyword } == conninfo.parameters.sorted { $0.keyword < $1.keyword })
        #expect(uri["host"] == "db.internal")
        #expect(uri["port"] == "5432")
        #expect(uri["dbname"] == "auth")
        #expect(uri["user"] == "auth")
        #expect(uri.hasPassword)
    }

    @Test func percentEncodingIsDecodedByLibpq() throws {
        let dsn = try DSNParser.parse("postgres://u:p%40ss@h/d")
        #expect(dsn["password"] == "p@ss")
    }

    @Test func redactedHidesEverySecret() throws {
        let dsn = try DSNParser.parse("host=h user=u password='hunter 2' sslpassword=keypass application_name=x")
        #expect(dsn.redacted == "host=h user=u password=*** application_name=x sslpassword=***")
        #expect(!dsn.redacted.contains("hunter"))
        #expect(!dsn.redacted.contains("keypass"))
    }

    @Test func redactedQuotesValuesThatNeedIt() throws {
        let dsn = try DSNParser.parse("host=h options='-c statement_timeout=5s'")
        #expect(dsn.redacted == "host=h options='-c statement_timeout=5s'")
    }

    @Test func encodingRedactsTheRawString() throws {
        let dsn = try DSNParser.parse("postgresql://auth:hunter2@h/db")
        let json = String(decoding: try JSONEncoder().encode(dsn), as: UTF8.self)
        #expect(!json.contains("hunter2"))
        #expect(json.contains("***"))
    }

    @Test func libpqErrorsNeverQuoteThePassword() throws {
        let error = try #require(throws: DSNParseError.self) {
            try DSNParser.parse("postgresql://u:hunter2@[::1/db")
        }
        #expect(!error.reason.contains("hunter2"))
        #expect(error.reason.contains("postgresql://u:***@[::1/db"))
    }

    @Test func aBadlyEncodedPasswordIsNotQuotedInTheError() throws {
        // libpq quotes the whole undecodable token: `invalid percent-encoded token: "..."`.
        let error = try #require(throws: DSNParseError.self) {
            try DSNParser.parse("postgresql://postgres:Top%ZZSecret@localhost/db")
        }
        #expect(error.reason.contains("percent-encoded"), "\(error.reason)")
        #expect(!error.reason.contains("ZZSecret"), "\(error.reason)")
    }

    @Test func libpqParametersKeepThePasswordForConnecting() throws {
        let dsn = try DSNParser.parse("postgresql://postgres:p%40ss@localhost:5433/db?application_name=x")
        #expect(dsn.libpqParameters == [
            "user": "postgres", "password": "p@ss", "host": "localhost", "port": "5433", "dbname": "db",
            "application_name": "x",
        ])
    }

    @Test func secretsAreFoundInEveryForm() {
        #expect(DSNParser.secrets(in: "postgresql://u:a%21b@h/d").contains("a!b"))
        #expect(DSNParser.secrets(in: "host=h password='x y' user=u").contains("x y"))
        #expect(DSNParser.secrets(in: "postgresql://h/d?password=qq&user=u").contains("qq"))
        #expect(DSNParser.secrets(in: "host=h user=u").isEmpty)
    }

    @Test func libpqKnowsItsKeywords() {
        #expect(DSNParser.keywords.contains("connect_timeout"))
        #expect(DSNParser.keywords.contains("application_name"))
    }

    @Test func anInvalidFileNeverShowsThePassword() throws {
        let error = try #require(throws: ConfgateError.self) {
            try SettingsFile.load(path: Fixtures.path("invalid/bad-dsn.conf"))
        }
        #expect(!error.description.contains("s3cret-fixture-pw"))
    }
}
