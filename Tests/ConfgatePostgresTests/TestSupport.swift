import ConfgateCore
import Foundation
import Logging
@testable import ConfgatePostgres

/// Shared by the integration tests: a small template (fewer users builds faster) in a
/// cache directory of the test run's own, so tests never touch the user's cache.
enum TestSupport {
    static let users = 200
    static let cacheDirectory = "/tmp/confgate-test-cache"
    static let logger = Logger(label: "confgate.test")

    static func options(_ server: Settings.Server = .init(maxConnections: 20, superuserReservedConnections: 3)) -> ScratchServer.Options {
        ScratchServer.Options(server: server, users: users, cacheDirectory: cacheDirectory)
    }

    /// Whether process `pid` exists (and is not a zombie).
    static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // Field 3 is the state; Z = zombie (exited, not yet reaped).
        if let close = status.lastIndex(of: ")") {
            return status[status.index(close, offsetBy: 2)] != "Z"
        }
        return true
    }

    /// Polls `condition` every 20 ms until it holds or `deadline` passes; returns whether it held.
    static func eventually(within deadline: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
