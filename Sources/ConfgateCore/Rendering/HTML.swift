/// Escaping and small building blocks for confgate's HTML report. Every piece of text
/// that comes from a result (file names, messages, keys) goes through `escape`, so a
/// file called `<script>.conf` shows as text and never becomes markup.
enum HTML {
    /// Text safe inside an element or a quoted attribute: `&`, `<`, `>`, `"` and `'` escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A message written for the terminal, as HTML: escaped, with its `backticked` spans (flags,
    /// keys, commands) set as `<code>`. Unpaired backticks stay as they are.
    static func prose(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count > 2, parts.count % 2 == 1 else { return escape(text) }
        return parts.enumerated().map { i, part in i % 2 == 1 ? "<code>\(escape(String(part)))</code>" : escape(String(part)) }.joined()
    }

    /// `<tag attrs>escaped text</tag>`.
    static func element(_ tag: String, _ text: String, _ attributes: [(String, String)] = []) -> String {
        "<\(tag)\(attrs(attributes))>\(escape(text))</\(tag)>"
    }

    /// ` name="value"…`, values escaped.
    static func attrs(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// A table with a header row; cells are escaped text. `numeric` marks columns to
    /// right-align (by the `align` attribute, so it holds without a stylesheet): once on the
    /// `<tbody>` when every column after the first is numeric (a data table), else per cell.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = [], markup: Set<Int> = [], caption: String? = nil) -> String {
        let allNumeric = header.count > 1 && numeric.isSuperset(of: 1..<header.count)
        var out = tableStart
        if let caption { out += "<caption>\(escape(caption))</caption>\n" }
        out += thead(header)
        out += allNumeric ? "<tbody align=\"right\">\n" : "<tbody>\n"
        for row in rows {
            out += "<tr>" + row.enumerated().map { i, cell in
                i == 0 ? "<th scope=\"row\" align=\"left\">\(escape(cell))</th>"
                    : "<td\(numeric.contains(i) && !allNumeric ? " align=\"right\"" : "")>\(markup.contains(i) ? cell : escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// A table's start tag: its borders and spacing as attributes, so a page without its
    /// `<style>` still reads as a grid.
    private static let tableStart = "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n"

    private static func thead(_ header: [String]) -> String {
        "<thead><tr>" + header.map { "<th scope=\"col\">\(escape($0))</th>" }.joined() + "</tr></thead>\n"
    }

    /// A chart's data, folded away under its chart: `<details><summary>…</summary>table</details>`.
    /// A table whose first column holds numbers (a timeline's time, a step's value) is written
    /// short, as HTML allows: no end tags for cells (a row's `</tr>` ends its last), every cell a right-aligned `<td>`.
    /// Timelines' rows are most of a report's bytes, and this halves them.
    static func dataTable(_ summary: String, _ header: [String], _ rows: [[String]], note: String? = nil) -> String {
        var out = "<details><summary>\(escape(summary))</summary>\n"
        if let note { out += "<p>\(escape(note))</p>\n" }
        if rows.allSatisfy({ $0.first.flatMap { Double($0) } != nil }) {
            out += tableStart
            out += thead(header)
            out += "<tbody align=\"right\">\n"
            for row in rows { out += "<tr>" + row.map { "<td>\(escape($0))" }.joined() + "</tr>\n" }
            out += "</tbody>\n</table>\n"
        } else {
            out += table(header, rows, numeric: Set(1..<max(header.count, 1)))
        }
        return out + "</details>\n"
    }
}
