import Foundation

/// Watches a postmaster's child processes through `/proc`, without a connection (which
/// would itself take a connection slot).
enum BackendWatch {
    /// The pids of `postmaster`'s client backends logged in (or logging in) as `role`:
    /// children whose process title starts with `postgres: <role> `.
    static func backends(of postmaster: Int32, role: String) -> [Int32] {
        guard postmaster > 0, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "comm)": state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == postmaster else { continue }
            guard let title = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { continue }
            if title.hasPrefix("postgres: \(role) ") { found.append(pid) }
        }
        return found
    }

    /// Waits (polling, at most `limit`) until `postmaster` has no backend of `role` left.
    static func waitUntilGone(postmaster: Int32, role: String, limit: Duration = .seconds(5)) async {
        let end = ContinuousClock.now + limit
        var delay = Duration.microseconds(500)
        while !backends(of: postmaster, role: role).isEmpty && ContinuousClock.now < end {
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(5))
        }
    }
}
