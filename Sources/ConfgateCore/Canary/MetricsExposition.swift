/// A scraped metrics page, parsed: the Prometheus text format 0.0.4 or OpenMetrics 1.0, the two
/// a service's `/metrics` speaks (Micrometer writes either, by the scraper's `Accept`). Only
/// what a reader of HikariCP's pool series needs is kept: every sample's name, labels and
/// value. `# HELP`, `# UNIT` and other comments, timestamps and OpenMetrics exemplars are
/// read past; `# TYPE` is kept by family. A page that is not one of the two formats (an HTML
/// error page, a login form, JSON) throws `MetricsParseError` at its first bad line and column.
public struct MetricsExposition: Hashable, Sendable {
    /// One sample line.
    public struct Sample: Hashable, Sendable {
        public var name: String
        /// In the order written; values unescaped.
        public var labels: [Label]
        /// `NaN`, `+Inf` and `-Inf` are kept as the floating-point values they name.
        public var value: Double

        public init(name: String, labels: [Label] = [], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }

        /// The value of label `name`, if the sample has it.
        public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }
    }

    public struct Label: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var samples: [Sample]
    /// `# TYPE` by metric family (OpenMetrics names a counter's family without `_total`).
    public var types: [String: String]
    /// Whether the page ended with OpenMetrics' `# EOF`.
    public var openMetrics: Bool

    public init(samples: [Sample] = [], types: [String: String] = [:], openMetrics: Bool = false) {
        self.samples = samples
        self.types = types
        self.openMetrics = openMetrics
    }

    /// Parses `text`; throws at the first line that is neither a comment nor a sample.
    public init(parsing text: String) throws(MetricsParseError) {
        self.init()
        var number = 0
        var sawEOF = false
        // "\r\n" is one Character in Swift: both end a line.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if sawEOF {
                if line.isEmpty { continue }
                throw MetricsParseError(line: number, column: 1, message: "text after \"# EOF\"", text: String(line))
            }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            var cursor = LineCursor(line, number: number)
            if line.first == "#" {
                if line == "# EOF" { sawEOF = true; openMetrics = true; continue }
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                if words.count >= 4, words[1] == "TYPE" { types[String(words[2])] = String(words[3]) }
                continue
            }
            samples.append(try cursor.sample())
        }
    }
}

/// Where a page stopped being metrics: `line 1, column 1: expected a metric name, found "<"`.
public struct MetricsParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// The offending line, for the report (cut to 60 characters).
    public var text: String

    public init(line: Int, column: Int, message: String, text: String) {
        self.line = line
        self.column = column
        self.message = message
        self.text = text.count > 60 ? String(text.prefix(60)) + "…" : text
    }

    public var description: String { "line \(line), column \(column): \(message) (the line reads \"\(text)\")" }
}

/// Reads one sample line, remembering its column for errors.
struct LineCursor {
    let line: Substring
    let number: Int
    var index: Substring.Index

    init(_ line: Substring, number: Int) {
        self.line = line
        self.number = number
        index = line.startIndex
    }

    var column: Int { line.distance(from: line.startIndex, to: index) + 1 }
    var current: Character? { index < line.endIndex ? line[index] : nil }

    func fail(_ message: String) -> MetricsParseError {
        MetricsParseError(line: number, column: column, message: message, text: String(line))
    }

    func found() -> String { current.map { "found \"\($0)\"" } ?? "found the end of the line" }

    mutating func skipSpaces() {
        while current == " " || current == "\t" { index = line.index(after: index) }
    }

    mutating func sample() throws(MetricsParseError) -> MetricsExposition.Sample {
        let name = try identifier(what: "a metric name", metric: true)
        var labels: [MetricsExposition.Label] = []
        if current == "{" {
            index = line.index(after: index)
            labels = try labelSet()
        }
        guard current == " " || current == "\t" else { throw fail("expected a space and the value after \(name), \(found())") }
        skipSpaces()
        let value = try number(what: "a value")
        skipSpaces()
        if current != nil, current != "#" {
            _ = try number(what: "a timestamp or the end of the line")  // read past, as Prometheus does not use it here
            skipSpaces()
        }
        // An OpenMetrics exemplar (` # {trace_id="…"} 0.5`) follows `#`; not read.
        if current != nil, current != "#" { throw fail("expected the end of the line, \(found())") }
        return .init(name: name, labels: labels, value: value)
    }

    mutating func identifier(what: String, metric: Bool) throws(MetricsParseError) -> String {
        let start = index
        while let c = current, c.isASCII, c.isLetter || c == "_" || (metric && c == ":") || (index > start && c.isNumber) {
            index = line.index(after: index)
        }
        guard index > start else { throw fail("expected \(what), \(found())") }
        return String(line[start..<index])
    }

    /// After `{`: `name="value"` pairs separated by commas (a trailing comma allowed), then `}`.
    mutating func labelSet() throws(MetricsParseError) -> [MetricsExposition.Label] {
        var labels: [MetricsExposition.Label] = []
        while true {
            skipSpaces()
            if current == "}" { index = line.index(after: index); return labels }
            let name = try identifier(what: "a label name or \"}\"", metric: false)
            skipSpaces()
            guard current == "=" else { throw fail("expected \"=\" after label \(name), \(found())") }
            index = line.index(after: index)
            skipSpaces()
            guard current == "\"" else { throw fail("expected a quoted value for label \(name), \(found())") }
            index = line.index(after: index)
            labels.append(.init(name, try quoted()))
            skipSpaces()
            if current == "," { index = line.index(after: index); continue }
            guard current == "}" else { throw fail("expected \",\" or \"}\" after label \(name), \(found())") }
        }
    }

    /// A label value after its opening quote: `\\`, `\"` and `\n` are the escapes.
    mutating func quoted() throws(MetricsParseError) -> String {
        var value = ""
        while let c = current {
            index = line.index(after: index)
            switch c {
            case "\"": return value
            case "\\":
                switch current {
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                case "n": value.append("\n")
                default: throw fail("unknown escape in a label value (only \\\\, \\\" and \\n), \(found())")
                }
                index = line.index(after: index)
            default: value.append(c)
            }
        }
        throw fail("unterminated label value")
    }

    /// A Go-style float: digits, exponent, `NaN`, `+Inf`, `-Inf`.
    mutating func number(what: String) throws(MetricsParseError) -> Double {
        let start = index
        while let c = current, c != " ", c != "\t" { index = line.index(after: index) }
        let text = line[start..<index]
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: break
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }), let value = Double(text) else {
            index = start
            throw fail(text.isEmpty ? "expected \(what), \(found())" : "expected \(what), found \"\(text)\"")
        }
        return value
    }
}
