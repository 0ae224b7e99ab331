import ConfgateCore
import Foundation

/// File-system steps of the scratch cluster, done by confgate itself (as root or as the
/// current user).
package enum PrivateDirectory {
    /// Where scratch directories go: `$CONFGATE_SCRATCH_DIR` when set; else `/dev/shm` when
    /// it is a tmpfs with at least 1 GiB free (a throwaway server has nothing to keep on a
    /// disk, and creating PostgreSQL's ~1,300 files on a disk file system can take a second
    /// where tmpfs takes tens of milliseconds); else `/tmp`. The root must be short: the
    /// server's socket path `<root>/cg-XXXXXX/.s.PGSQL.<port>` has to stay under 107 bytes.
    static let root: String = {
        if let chosen = ProcessInfo.processInfo.environment["CONFGATE_SCRATCH_DIR"], chosen.hasPrefix("/"),
           chosen.utf8.count <= 60 {
            return chosen
        }
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let shmIsTmpfs = mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == "/dev/shm" && fields[2] == "tmpfs"
        }
        var fs = statvfs()
        if shmIsTmpfs, statvfs("/dev/shm", &fs) == 0,
           UInt64(fs.f_bavail) * UInt64(fs.f_frsize) >= 1 << 30, access("/dev/shm", W_OK) == 0 {
            return "/dev/shm"
        }
        return "/tmp"
    }()

    /// Creates `<root>/cg-XXXXXX` (mode 0700) owned by `user`: short, so that the server's
    /// socket path `<dir>/.s.PGSQL.<port>` stays far below the 107-byte limit.
    package static func make(owner user: ServerUser?) throws(ConfgateError) -> String {
        var template = Array("\(root)/cg-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw ConfgateError(.environment, "cannot create a private directory in \(root): \(errnoText())")
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Who made it, for `sweepLeftovers()`.
        _ = FileManager.default.createFile(atPath: path + "/" + ownerFile, contents: Data("\(getpid())\n".utf8))
        if let user, chown(path, user.uid, user.gid) != 0 {
            let reason = errnoText()
            rmdir(path)
            throw ConfgateError(.environment, "cannot give \(path) to user \(user.name): \(reason)")
        }
        return path
    }

    static let ownerFile = ".confgate-owner"

    /// Removes scratch directories that outlived both the confgate process that made them and
    /// their server (postmaster or pgbouncer) — left behind only if confgate was killed in
    /// the moments before its watchdog existed (while unpacking the template or running
    /// initdb). Directories without confgate's owner file are never touched.
    static func sweepLeftovers() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        for entry in entries where entry.hasPrefix("cg-") && entry.count == 9 {
            let dir = root + "/" + entry
            guard let owner = try? String(contentsOfFile: dir + "/" + ownerFile, encoding: .utf8),
                  let pid = Int32(owner.trimmingSpaces()), !isAlive(pid) else { continue }
            // A scratch server's postmaster, or a trial's PgBouncer.
            let servers = ["/data/postmaster.pid", "/pgbouncer.pid"].compactMap { file in
                (try? String(contentsOfFile: dir + file, encoding: .utf8))
                    .flatMap { $0.split(separator: "\n").first.flatMap { Int32($0.trimmingSpaces()) } }
            }
            if servers.contains(where: isAlive) { continue }
            remove(dir)
        }
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Removes `path` and everything below it; errors are ignored (best effort on teardown).
    package static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Packs a stopped server's data directory into one archive file (`tar`, owners and
    /// modes kept): one file is cheap to write into the cache and to rename into place, where
    /// a tree of ~1,300 small files is not.
    static func archive(_ directory: String, to file: String) async throws(ConfgateError) {
        do {
            try await ProcessRunner.output("/bin/tar", ["-C", directory, "-cf", file, "."])
        } catch {
            throw ConfgateError(.environment, "cannot archive the template \(directory)", details: ["\(error)"])
        }
    }

    /// Unpacks a template archive into a new data directory `destination` (mode 0700, owned
    /// by `user`); as root, tar keeps the archived owners.
    package static func unpack(_ file: String, to destination: String, owner user: ServerUser?) async throws(ConfgateError) {
        guard mkdir(destination, 0o700) == 0 else {
            throw ConfgateError(.environment, "cannot create \(destination): \(errnoText())")
        }
        if let user { _ = chown(destination, user.uid, user.gid) }
        do {
            try await ProcessRunner.output("/bin/tar", ["-C", destination, "-xf", file])
        } catch {
            throw ConfgateError(.environment, "cannot unpack the template \(file)", details: ["\(error)"])
        }
    }

    /// The last `count` lines of a text file (a server log), or none when unreadable.
    static func tail(_ path: String, lines count: Int = 15) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Array(text.split(separator: "\n").suffix(count).map(String.init))
    }
}

/// The current `errno` as text.
func errnoText() -> String {
    guard let text = strerror(errno) else { return "errno \(errno)" }
    return String(validatingCString: text) ?? "errno \(errno)"
}
