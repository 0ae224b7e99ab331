import Foundation
import Testing
@testable import ConfgateCore

/// Where a result came from (issue #13's Provenance): the command as typed never shows a
/// password, a result carries it through JSON, and the report shows it — or says that a
/// result saved before it existed does not record it.
@Suite struct ProvenanceTests {
    @Test func theCommandAsTypedMasksEveryPassword() {
        let typed = ["verify", "--postgres", "postgresql://admin:s3cret@db:5432/postgres", "--probe-url", "postgres://svc:p%40ss@db/auth?sslmode=require",
                     "--dsn", "host=db password=hunter2 user=auth", "--dsn", "password='two words' host=db", "--proposed", "fixtures/outage.conf",
                     "postgresql://monitor@db:5432/postgres"]
        let masked = Provenance.masking(typed)
        #expect(masked == ["verify", "--postgres", "postgresql://admin:***@db:5432/postgres", "--probe-url", "postgres://svc:***@db/auth?sslmode=require",
                           "--dsn", "host=db password=*** user=auth", "--dsn", "password=*** host=db", "--proposed", "fixtures/outage.conf",
                           "postgresql://monitor@db:5432/postgres"])
        for secret in ["s3cret", "p%40ss", "hunter2", "two words"] {
            #expect(!masked.joined(separator: " ").contains(secret))
        }
    }

    @Test func theReportShowsWhereItRanAndAnOldResultSaysItIsNotRecorded() throws {
        var result = try ResultFixtureTests.load("verify-outage.json")
        let old = VerifyHTMLRenderer().render(result)
        #expect(old.contains("<th scope=\"row\" align=\"left\">confgate</th><td>not recorded (a result saved before confgate \(ConfgateVersion.current))</td>"))
        result.provenance = Provenance(confgate: "9.9.9", command: ["confgate", "verify", "--proposed", "it's.conf"], cores: 2, loadAverage: 1.5, system: "Linux 6.8.0 x86_64")
        result.proposed.trials[0].result?.provenance = Provenance(postgres: "15.18 (scratch server)", pgbouncer: "1.18.0")
        // Through JSON and back, as `confgate report result.json` reads it.
        let decoded = try JSONDecoder().decode(VerifyResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.provenance == result.provenance)
        let html = VerifyHTMLRenderer().render(decoded)
        #expect(html.contains("<td>9.9.9</td>"))
        #expect(html.contains("<td>confgate verify --proposed &#39;it&#39;\\&#39;&#39;s.conf&#39;</td>"))
        #expect(html.contains("<td>2 cores, load 1.50 at the start, Linux 6.8.0 x86_64</td>"))
        #expect(html.contains("<th scope=\"row\" align=\"left\">PostgreSQL</th><td>15.18 (scratch server)</td>"))
        #expect(html.contains("<th scope=\"row\" align=\"left\">PgBouncer</th><td>1.18.0</td>"))
    }
}
