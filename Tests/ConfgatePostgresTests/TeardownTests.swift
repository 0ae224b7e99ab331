import Foundation
import Testing
@testable import ConfgatePostgres

/// Runs the built `confgate postgres` as a user would, then kills it with SIGKILL: the
/// watchdog must stop the server and remove its directory by itself.
@Suite("Teardown when confgate is killed")
struct TeardownTests {
    /// `confgate` next to the test bundle (`.build/<triple>/debug/`).
    static var binary: String? {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let path = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("confgate").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    struct Started {
        var process: Process
        var directory: String
        var postmasterPID: Int32
        /// With `--settings` holding `[pooler]`: PgBouncer's directory and pid.
        var pooler: (directory: String, pid: Int32)?
    }

    /// Starts `confgate postgres` and waits (bounded) until it printed its URL.
    func startConfgatePostgres(_ binary: String, settings: String? = nil) async throws -> Started {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cg-test-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["postgres", "--users", String(TestSupport.users)] + (settings.map { ["--settings", $0] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = TestSupport.cacheDirectory + "-xdg"
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        var directory: String?
        var poolerDirectory: String?
        func host(_ prefix: String, in text: String) -> String? {
            text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) })
                .flatMap { $0.split(separator: "host=").last?.split(separator: "&").first?.removingPercentEncoding }
        }
        let printed = await TestSupport.eventually(within: .seconds(60)) {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            directory = host("service:", in: text)
            poolerDirectory = host("pooler:", in: text)
            return directory != nil && (settings == nil || poolerDirectory != nil)
        }
        guard printed, let directory else {
            process.terminate()
            throw TestFailure("confgate postgres printed no URL")
        }
        let pidText = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidText.split(separator: "\n").first.flatMap { Int32($0) })
        var pooler: (String, Int32)?
        if let poolerDirectory {
            let text = try String(contentsOfFile: poolerDirectory + "/pgbouncer.pid", encoding: .utf8)
            pooler = (poolerDirectory, try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))))
        }
        return Started(process: process, directory: directory, postmasterPID: pid, pooler: pooler)
    }

    @Test func sigkillOfConfgateLeavesNoServerAndNoDirectory() async throws {
        let binary = try #require(Self.binary, "build the confgate product first (swift build)")
        let started = try await startConfgatePostgres(binary)
        #expect(TestSupport.processExists(started.postmasterPID))
        kill(started.process.processIdentifier, SIGKILL)
        started.process.waitUntilExit()
        let gone = await TestSupport.eventually(within: .seconds(10)) {
            !TestSupport.processExists(started.postmasterPID) && !FileManager.default.fileExists(atPath: started.directory)
        }
        #expect(gone, "postmaster \(started.postmasterPID) or \(started.directory) survived confgate's SIGKILL")
        if !gone { kill(started.postmasterPID, SIGQUIT) }
    }

    /// With a `[pooler]`, `confgate postgres` also runs PgBouncer under the same watchdog.
    @Test func sigkillOfConfgateLeavesNoPgBouncerAndNoDirectory() async throws {
        let binary = try #require(Self.binary, "build the confgate product first (swift build)")
        var fixture = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { fixture.deleteLastPathComponent() }
        let started = try await startConfgatePostgres(binary, settings: fixture.appendingPathComponent("fixtures/pooler/current.conf").path)
        let pooler = try #require(started.pooler)
        #expect(TestSupport.processExists(pooler.pid))
        kill(started.process.processIdentifier, SIGKILL)
        started.process.waitUntilExit()
        let gone = await TestSupport.eventually(within: .seconds(10)) {
            !TestSupport.processExists(pooler.pid) && !FileManager.default.fileExists(atPath: pooler.directory)
                && !TestSupport.processExists(started.postmasterPID) && !FileManager.default.fileExists(atPath: started.directory)
        }
        #expect(gone, "pgbouncer \(pooler.pid), postmaster \(started.postmasterPID) or their directories survived confgate's SIGKILL")
        if !gone { kill(pooler.pid, SIGKILL); kill(started.postmasterPID, SIGQUIT) }
    }

    @Test func sigtermStopsCleanly() async throws {
        let binary = try #require(Self.binary, "build the confgate product first (swift build)")
        let started = try await startConfgatePostgres(binary)
        started.process.terminate()
        started.process.waitUntilExit()
        #expect(started.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: started.directory))
        #expect(await TestSupport.eventually { !TestSupport.processExists(started.postmasterPID) })
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Leftover sweep")
struct LeftoverSweepTests {
    @Test func removesOnlyDirectoriesWhoseConfgateAndPostmasterAreGone() throws {
        let orphan = try PrivateDirectory.make(owner: nil)
        let alive = try PrivateDirectory.make(owner: nil)
        defer { PrivateDirectory.remove(alive); PrivateDirectory.remove(orphan) }
        // The orphan's maker is a pid that cannot exist; `alive` was made by this process.
        try "\(Int32.max)\n".write(toFile: orphan + "/" + PrivateDirectory.ownerFile, atomically: true, encoding: .utf8)
        PrivateDirectory.sweepLeftovers()
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(FileManager.default.fileExists(atPath: alive))
    }
}
