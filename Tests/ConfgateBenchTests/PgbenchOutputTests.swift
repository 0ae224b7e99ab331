import Testing
@testable import ConfgateBench

@Suite("bench-login: reading pgbench's summary")
struct PgbenchOutputTests {
    @Test func readsTpsCountsAndDuration() {
        let text = """
            transaction type: bench/login.pgbench
            scaling factor: 1
            query mode: simple
            number of clients: 4
            number of threads: 2
            maximum number of tries: 1
            duration: 5 s
            number of transactions actually processed: 13396
            number of failed transactions: 0 (0.000%)
            latency average = 1.481 ms
            initial connection time = 55.941 ms
            tps = 2700.802640 (without initial connection time)
            """
        let parsed = PgbenchOutput(text)
        #expect(parsed == PgbenchOutput(tps: 2700.802640, processed: 13396, failed: 0, duration: 5))
    }

    @Test func noTpsLineMeansNoFigure() {
        #expect(PgbenchOutput("pgbench: error: connection to server failed").tps == nil)
    }
}
