import ConfgateCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's standard streams, and whether stdout is a terminal (for colour).
enum Terminal {
    /// Writes to standard output.
    static func write(_ text: String) { write(text, to: STDOUT_FILENO) }

    /// Writes to standard error.
    static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }

    /// Writes all of `text`, unbuffered, retrying short writes and `EINTR`.
    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Colour on a terminal, never with `NO_COLOR` (https://no-color.org).
    static var outputStyle: TextStyle {
        var environment: [String: String] = [:]
        for name in ["NO_COLOR", "TERM"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return TextStyle.auto(isTerminal: isatty(STDOUT_FILENO) != 0, environment: environment)
    }
}
