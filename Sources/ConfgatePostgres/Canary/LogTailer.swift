import ConfgateCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Follows a growing log file as `tail -F` does, for `canary --log`: opened at its end, each
/// `poll()` returns the complete lines appended since. When the file shrinks (truncated, as
/// `copytruncate` does) it is read again from its start; when the path names another file
/// (renamed away and recreated, as `logrotate` and PostgreSQL's `logging_collector` do) the
/// old file is read to its end and the new one from its start. (As with `tail -F`, a file
/// truncated and refilled past its old size between two polls looks as if it only grew: the
/// lines before the old size are missed.) Reads are short and
/// non-blocking on a regular file; a file that vanished is retried at the next poll.
public struct LogTailer: Sendable {
    public let path: String
    private var fd: Int32
    private var offset: off_t
    private var identity: (dev_t, ino_t)
    private var partial: [UInt8] = []
    /// Truncations and rotations followed so far.
    public private(set) var reopened = 0

    /// Opens `path` at its end. A file that cannot be read is `.badInput` (exit 2): `--log`
    /// must name the server's log file as it is now.
    public static func open(_ path: String) throws(ConfgateError) -> LogTailer {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfgateError(.badInput, "--log \(path): cannot read it: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            throw ConfgateError(.badInput, "--log \(path): not a regular file (the server's log file, e.g. its log_directory's current file)")
        }
        return LogTailer(path: path, fd: fd, offset: st.st_size, identity: (st.st_dev, st.st_ino))
    }

    private init(path: String, fd: Int32, offset: off_t, identity: (dev_t, ino_t)) {
        self.path = path
        self.fd = fd
        self.offset = offset
        self.identity = identity
    }

    /// The complete lines appended since the last poll (a line still being written waits for
    /// its newline), following a truncation or a rotation.
    public mutating func poll() -> [String] {
        var lines: [String] = []
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size < offset {
            offset = 0
            partial = []
            reopened += 1
        }
        lines += drain()
        var now = stat()
        if stat(path, &now) == 0, (now.st_dev, now.st_ino) != identity {
            let fresh = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fresh >= 0 {
                if !partial.isEmpty { lines.append(String(decoding: partial, as: UTF8.self)); partial = [] }
                Glibc.close(fd)
                fd = fresh
                offset = 0
                identity = (now.st_dev, now.st_ino)
                reopened += 1
                lines += drain()
            }
        }
        return lines
    }

    /// Reads from `offset` to the end of the open file, splitting complete lines.
    private mutating func drain() -> [String] {
        var lines: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            guard n > 0 else { break }
            offset += off_t(n)
            var start = 0
            for i in 0..<n where buffer[i] == UInt8(ascii: "\n") {
                partial += buffer[start..<i]
                lines.append(String(decoding: partial, as: UTF8.self))
                partial = []
                start = i + 1
            }
            partial += buffer[start..<n]
            if partial.count > 65_536 {  // a runaway line: cut it rather than grow without bound
                lines.append(String(decoding: partial, as: UTF8.self))
                partial = []
            }
        }
        return lines
    }

    /// Closes the file.
    public func close() {
        Glibc.close(fd)
    }
}
