import CLibPQ

/// The rows a statement returned, in libpq's text format (`NULL` is `nil`).
public struct PGResult: Hashable, Sendable {
    /// Column names, in order.
    public var columns: [String]
    /// Rows of text values; `bytea` comes as hex (`\x...`, see `PGBytea`).
    public var rows: [[String?]]
    /// The command tag, e.g. `SELECT 1`, `INSERT 0 1`, `UPDATE 3`.
    public var commandTag: String

    public init(columns: [String], rows: [[String?]], commandTag: String) {
        self.columns = columns
        self.rows = rows
        self.commandTag = commandTag
    }

    /// A successful libpq result, copied (the caller clears it).
    init(libpq result: OpaquePointer) {
        let columnCount = PQnfields(result)
        columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        rows = []
        rows.reserveCapacity(Int(PQntuples(result)))
        for r in 0..<PQntuples(result) {
            let row = PGRow(result: result, row: r)
            rows.append((0..<Int(columnCount)).map(row.text))
        }
        commandTag = String(cString: PQcmdStatus(result))
    }

    /// The rows the command affected or returned (the number at the end of the tag).
    public var affectedRows: Int {
        commandTag.split(separator: " ").last.flatMap { Int($0) } ?? rows.count
    }

    /// The first row's first value, for single-value queries such as `SHOW`.
    public var scalar: String? { rows.first?.first ?? nil }
}

/// One row of a libpq result, read in place: valid only inside the reader it is given to
/// (`PGConnection.queryFirstRow`).
public struct PGRow {
    let result: OpaquePointer
    let row: Int32

    /// The value of `column` in libpq's text format; `nil` for NULL.
    public func text(_ column: Int) -> String? {
        PQgetisnull(result, row, Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, row, Int32(column)))
    }

    /// The bytes of a `bytea` value of `column` (hex format), decoded from libpq's text
    /// without copying it; `nil` for NULL or a value not in that format.
    public func bytea(_ column: Int) -> [UInt8]? {
        guard PQgetisnull(result, row, Int32(column)) == 0, let value = PQgetvalue(result, row, Int32(column)) else { return nil }
        let length = Int(PQgetlength(result, row, Int32(column)))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) {
            PGBytea.decode(utf8: UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// `bytea` in PostgreSQL's hex text format (`\x0a1b...`), for parameters and results.
/// Both run on every login (the salt and hash read, the session token sent): neither copies
/// its input nor builds a table per call.
public enum PGBytea {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `\x` followed by two lowercase hex digits per byte.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2 + 2 * bytes.underestimatedCount)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a hex-format value, `nil` when it is not one.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(utf8: $0) }
    }

    /// The bytes of a hex-format value given as its UTF-8, `nil` when it is not one.
    static func decode(utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
              utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
