import Testing
@testable import ConfgateBench

@Suite("bench-login: pgbench's per-transaction log and another process's CPU")
struct PgbenchLatencyLogTests {
    @Test func recordsEachTransactionsLatency() {
        // client_id transaction_no time script_no time_epoch time_us
        let log = PgbenchLatencyLog("""
            0 0 310 0 1764067200 123456
            1 0 290 0 1764067200 123789
            0 1 1200 0 1764067200 124000
            1 1 305 0 1764067200 124500
            """)
        #expect(log.histogram.totalCount == 4)
        #expect(log.unrecorded == 0)
        #expect(log.histogram.valueAtPercentile(50) == 305)
        #expect(log.histogram.max >= 1199 && log.histogram.max <= 1201)
    }

    @Test func failedAndSkippedTransactionsAreCountedNotRecorded() {
        let log = PgbenchLatencyLog("""
            0 0 310 0 1764067200 123456
            0 1 failed 0 1764067200 124000 serialization
            0 2 skipped 0 1764067200 125000
            """)
        #expect(log.histogram.totalCount == 1)
        #expect(log.unrecorded == 2)
    }

    @Test func procStatCPUCountsAfterTheCommandName() {
        // pid (comm) state ppid … utime (14) stime (15); a name with a space and a parenthesis.
        let stat = "4242 (pg bouncer) S 1 4242 4242 0 -1 4194560 300 0 0 0 250 150 0 0 20 0 1 0 100 0 0"
        #expect(ProcessCPU.seconds(stat: stat, ticksPerSecond: 100) == 4.0)
        #expect(ProcessCPU.seconds(stat: "garbage", ticksPerSecond: 100).isNaN)
    }
}
