import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

/// How a fleet comes up when the server cannot hold every pool (`pool.start_failure`,
/// `fleet.start`), against a real scratch server: 4 instances × 4 connections, 10 usable.
@Suite("Fleet start: fail-fast pools, one by one or together", .serialized)
struct FleetStartTests {
    private func settings(start: Settings.Fleet.StartOrder?, failure: Settings.Pool.StartFailure?) -> Settings {
        var s = Settings(
            pool: .init(maxSize: 4, acquireTimeout: .seconds(2)),
            fleet: .init(instances: 4, requestTimeout: .seconds(5)),
            server: .init(maxConnections: 13, superuserReservedConnections: 3))
        s.fleet.start = start
        s.pool.startFailure = failure
        return s
    }

    private func bringUp(_ settings: Settings) async throws -> (notStarted: [InstanceStartFailure]?, live: [String]) {
        try await withScratchServer(TestSupport.options(settings.server), logger: TestSupport.logger) { scratch in
            let fleet = ServiceFleet(settings: settings, parameters: scratch.serviceParameters(for: settings), dbTime: .init(microseconds: 0))
            await fleet.start()
            let live = fleet.poolSamples().map(\.instance)
            let notStarted = fleet.instancesNotStarted()
            await fleet.shutdown()
            return (notStarted, live)
        }
    }

    @Test func oneByOneTheLastInstanceWhoseFirstConnectionIsRefusedDoesNotStart() async throws {
        let (notStarted, live) = try await bringUp(settings(start: nil, failure: nil))
        #expect(notStarted == [InstanceStartFailure(instance: "auth-service-4", when: .start, reason: "53300")])
        #expect(live == ["auth-service-1", "auth-service-2", "auth-service-3"], "the one that did not start takes no traffic")
    }

    @Test func togetherEveryInstanceGetsAFirstConnectionAndStarts() async throws {
        let (notStarted, live) = try await bringUp(settings(start: .together, failure: .crash))
        #expect(notStarted == nil)
        #expect(live.count == 4)
    }

    @Test func lazyPoolsStartWhateverHappens() async throws {
        let (notStarted, live) = try await bringUp(settings(start: .oneByOne, failure: .serve))
        #expect(notStarted == nil)
        #expect(live.count == 4)
    }
}
