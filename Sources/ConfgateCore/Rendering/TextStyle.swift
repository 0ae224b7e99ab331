/// ANSI styling for text output, switched off entirely when colour is not wanted. The
/// caller decides (colour only on a terminal, and never when `NO_COLOR` is set): see
/// `TextStyle.auto(isTerminal:environment:)`.
public struct TextStyle: Sendable {
    /// Whether escape codes are written at all.
    public var color: Bool

    public init(color: Bool) { self.color = color }

    /// Plain text: no escape codes.
    public static let plain = TextStyle(color: false)

    /// Colour when the output is a terminal and `NO_COLOR` is absent or empty
    /// (https://no-color.org), and `TERM` is not `dumb`.
    public static func auto(isTerminal: Bool, environment: [String: String]) -> TextStyle {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return TextStyle(color: isTerminal && !noColor && environment["TERM"] != "dumb")
    }

    private func wrap(_ text: String, _ code: String) -> String {
        color && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func dim(_ text: String) -> String { wrap(text, "2") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func green(_ text: String) -> String { wrap(text, "32") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }

    /// A lint severity label: bold red errors, bold yellow warnings, bold cyan info.
    public func severity(_ severity: Severity, _ text: String) -> String {
        switch severity {
        case .error: wrap(text, "1;31")
        case .warning: wrap(text, "1;33")
        case .info: wrap(text, "1;36")
        }
    }
}

/// Lays out rows of cells in aligned columns. Styling is applied after padding, so escape
/// codes never disturb the alignment.
struct TextTable {
    enum Alignment { case left, right }

    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ alignments: [Alignment]) { self.alignments = alignments }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// The rows as lines, each cell styled by `style(row, column, text)` and then padded to
    /// its column's width (measured on the unstyled text).
    func lines(indent: String = "  ", gap: String = "   ",
               style: (Int, Int, String) -> String = { _, _, text in text }) -> [String] {
        var widths = [Int](repeating: 0, count: alignments.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        return rows.enumerated().map { index, row in
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                let styled = style(index, column, cell)
                return alignments[column] == .left ? styled + padding : padding + styled
            }
            return indent + Self.trimTrailing(cells.joined(separator: gap))
        }
    }

    private static func trimTrailing(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
