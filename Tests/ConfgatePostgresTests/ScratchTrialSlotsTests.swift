import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

/// A trial's scratch server gives the service role exactly production's usable connections
/// while confgate's monitor (a superuser) holds an ordinary slot, with `reserved_connections`
/// too (on PostgreSQL 15 a role limit models it, and the monitor's slot must not widen it).
@Suite("scratch trial server: the monitor's slot")
struct ScratchTrialSlotsTests {
    @Test(arguments: [0, 3])
    func theServiceGetsProductionsUsableWithTheMonitorConnected(reserved: Int) async throws {
        // Production: 10 − 2 superuser-reserved − `reserved` = usable for the service.
        var settings = Settings()
        settings.server = Settings.Server(maxConnections: 10, superuserReservedConnections: 2, reservedConnections: reserved)
        let usable = 10 - 2 - reserved
        let server = try await TestSupport.options().startTrial(settings, users: 10, logger: TestSupport.logger)
        var open: [PGConnection] = []
        do {
            let monitor = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            open.append(monitor)
            for _ in 0..<usable { open.append(try await PGConnection.connect(parameters: server.serviceParameters(for: settings))) }
            await #expect { try await PGConnection.connect(parameters: server.serviceParameters(for: settings)) } throws: {
                ($0 as? PGError)?.sqlState == "53300"
            }
        } catch {
            Issue.record(error)
        }
        for c in open { await c.close() }
        await server.finish()
    }
}
