import Foundation
import Testing
@testable import ConfgatePostgres

/// PostgreSQL's dynamic shared memory stays inside the scratch server's directory, so a
/// postmaster killed with SIGKILL mid-trial (which removes nothing itself) leaves no
/// `/dev/shm/PostgreSQL.*` segment behind once the watchdog removed that directory.
@Suite("Dynamic shared memory of a killed scratch server")
struct SharedMemoryTests {
    @Test func aPostmasterKilledWithSIGKILLLeavesNoSegmentInDevShm() async throws {
        let before = Self.posixSegments()
        let server = try await ScratchServer.start(TestSupport.options(), logger: TestSupport.logger)
        do {
            let conn = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            #expect(try await conn.query("SHOW dynamic_shared_memory_type").scalar == "mmap")
            // A parallel query shares a segment with its workers: it works from pg_dynshmem too.
            try await conn.execute("""
                SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
                SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2
                """)
            let plan = try await conn.query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM users")
            let launched = plan.rows.compactMap { $0.first ?? nil }.first { $0.contains("Workers Launched:") }
            #expect(launched != nil && launched?.hasSuffix(": 0") == false, "\(plan.rows)")
            await conn.close()
            // The postmaster maps the control segment all its processes share.
            let mapped = Self.mappedFiles(of: server.postmasterPID)
            #expect(mapped.contains { $0.hasPrefix(server.directory + "/data/pg_dynshmem/") }, "\(mapped)")
            #expect(!mapped.contains { $0.hasPrefix("/dev/shm/PostgreSQL.") }, "\(mapped)")
        } catch {
            Issue.record(error)
        }
        let killed = [server.postmasterPID] + Self.children(of: server.postmasterPID)
        let interlock = Self.systemVSegment(dataDirectory: server.directory + "/data")
        kill(server.postmasterPID, SIGKILL)
        // The watchdog sees postmaster exit, removes the directory and ends; stop() waits for that.
        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.directory))
        // Its other processes end on their own once they notice the postmaster is gone.
        #expect(await TestSupport.eventually { !killed.contains(where: TestSupport.processExists) })
        // Other servers may run on this machine meanwhile: a new segment counts as left behind
        // only while no live process maps it, and a server starting or stopping is mapped
        // or gone within moments; one left behind stays, unmapped, until the deadline. Only
        // segments already there after the kill are candidates: initdb's bootstrap backends
        // (a template being built by another suite) create and remove one after another.
        var left = Self.posixSegments().subtracting(before)
        let clean = await TestSupport.eventually(within: .seconds(5)) {
            left = left.intersection(Self.posixSegments()).filter { !Self.isMappedByAnyone($0) }
            return left.isEmpty
        }
        #expect(clean, "left in /dev/shm: \(left.sorted())")
        // PostgreSQL's small System V segment (its interlock, not in /dev/shm) outlives a
        // SIGKILLed postmaster too; remove it so that the test leaves nothing behind.
        if let interlock { shmctl(interlock, IPC_RMID, nil) }
    }

    /// The id of the postmaster's System V segment: line 7 of `postmaster.pid` is "key id".
    static func systemVSegment(dataDirectory: String) -> Int32? {
        let text = (try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 6 ? lines[6].split(separator: " ").last.flatMap { Int32($0) } : nil
    }

    /// `/dev/shm/PostgreSQL.*`: where POSIX dynamic shared memory segments live.
    static func posixSegments() -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []
        return Set(names.filter { $0.hasPrefix("PostgreSQL.") }.map { "/dev/shm/" + $0 })
    }

    /// The files process `pid` has mapped (`/proc/<pid>/maps`). Read to its end through a
    /// file handle: `String(contentsOfFile:)` stops after the first 4 KB of a /proc file.
    static func mappedFiles(of pid: Int32) -> Set<String> {
        let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/maps")
        defer { try? handle?.close() }
        let maps = String(decoding: (try? handle?.readToEnd()) ?? Data(), as: UTF8.self)
        // address perms offset device inode path
        return Set(maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            let path = fields.count == 6 ? fields[5].drop { $0 == " " } : ""
            return path.hasPrefix("/") ? String(path) : nil
        })
    }

    /// Whether a live process (one this test may inspect) maps `path`: a segment of another
    /// server running on this machine at the same time, not one a killed server left behind.
    static func isMappedByAnyone(_ path: String) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.contains { entry in Int32(entry).map { mappedFiles(of: $0).contains(path) } ?? false }
    }

    /// The child processes of `parent`.
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "comm)": state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }
}
