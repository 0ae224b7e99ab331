import ConfgateCore

/// Where `--listen` serves `/metrics`: an IP address and a port.
///
/// `PORT` or `:PORT` alone binds loopback (`127.0.0.1`), the default; any other address must
/// be written out (`0.0.0.0:9464`, `[::]:9464`), so serving beyond this machine is always the
/// user's explicit choice. Host names other than `localhost` are refused: what they resolve
/// to is not visible on the command line.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The default port: the one OpenTelemetry's Prometheus exporter uses.
    public static let defaultPort: UInt16 = 9464

    /// An IPv4 or IPv6 literal, without brackets.
    public var host: String
    /// 0 asks the system for a free port.
    public var port: UInt16

    public init(host: String = "127.0.0.1", port: UInt16 = Self.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Reads `PORT`, `:PORT`, `HOST:PORT` or `[IPv6]:PORT`.
    public init(parsing text: String) throws(ConfgateError) {
        let usage = "--listen \(text): expected PORT, HOST:PORT or [IPv6]:PORT with an IP address, e.g. 127.0.0.1:9464"
        var host = "127.0.0.1", portText = text
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfgateError(.badInput, usage)
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[text.index(close, offsetBy: 2)...])
            guard Self.isIPv6(host) else { throw ConfgateError(.badInput, usage) }
        } else if let colon = text.lastIndex(of: ":") {
            let given = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
            if given == "localhost" {
                host = "127.0.0.1"
            } else if !given.isEmpty {
                guard Self.isIPv4(given) else {
                    throw ConfgateError(.badInput, usage, details: ["give an IP address: a host name's address is not visible on the command line"])
                }
                host = given
            }
        }
        guard let port = UInt16(portText) else { throw ConfgateError(.badInput, usage) }
        self.init(host: host, port: port)
    }

    /// `127.0.0.0/8` or `::1`: reachable from this machine only.
    public var isLoopback: Bool {
        host.hasPrefix("127.") || host == "::1"
    }

    var isIPv6: Bool { host.contains(":") }

    /// `127.0.0.1:9464`, `[::1]:9464`.
    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && Int(part)! <= 255
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
