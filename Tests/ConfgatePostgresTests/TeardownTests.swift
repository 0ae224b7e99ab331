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
    }

    /// Starts `confgate postgres` and waits (bounded) until it printed its URL.
    func startConfgatePostgres(_ binary: String) async throws -> Started {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cg-test-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["postgres", "--users", String(TestSupport.users)]
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = TestSupport.cacheDirectory + "-xdg"
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        var directory: String?
        let printed = await TestSupport.eventually(within: .seconds(60)) {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("service:") }),
                  let host = line.split(separator: "host=").last?.split(separator: "&").first
            else { return false }
            directory = host.removingPercentEncoding
            return true
        }
        guard printed, let directory else {
            process.terminate()
            throw TestFailure("confgate postgres printed no URL")
        }
        let pidText = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidText.split(separator: "\n").first.flatMap { Int32($0) })
        return Started(process: process, directory: directory, postmasterPID: pid)
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
