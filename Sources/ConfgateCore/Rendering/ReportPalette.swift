/// How a line looks: a colour from the Okabe–Ito palette (told apart with every common
/// colour-vision deficiency) and a dash pattern, so no two series differ by colour alone.
struct LineStyle: Hashable, Sendable {
    /// `#rrggbb`.
    var color: String
    /// An SVG `stroke-dasharray`, or `nil` for a solid line.
    var dash: String?
    var width: Double = 2

    /// `stroke="…" stroke-width="…" stroke-dasharray="…"`: presentation attributes only.
    var attributes: String {
        "stroke=\"\(color)\" stroke-width=\"\(SVG.number(width))\"" + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
    }

    /// Words for a legend or a data table: `solid`, `dashed`.
    var patternName: String { dash == nil ? "solid" : "dashed" }
}

/// The report's colours and line patterns.
enum ReportPalette {
    /// The current side: blue, solid.
    static let current = LineStyle(color: "#0072B2", dash: nil)
    /// The proposed side: vermillion, dashed.
    static let proposed = LineStyle(color: "#D55E00", dash: "7 4")
    /// `max_connections`: black, long dashes.
    static let maxConnections = LineStyle(color: "#000000", dash: "10 3 2 3", width: 1.5)
    /// Usable connections, the limit the verdict judges: black, solid.
    static let usable = LineStyle(color: "#000000", dash: nil, width: 1.5)
    /// `max_utilization` of usable: grey, dotted.
    static let utilization = LineStyle(color: "#666666", dash: "2 3", width: 1.5)

    /// The pooler chart: clients connected (active + waiting), green, solid.
    static let poolerClients = LineStyle(color: "#009E73", dash: nil)
    /// Clients waiting in the pooler for a server connection: orange, dashed.
    static let poolerWaiting = LineStyle(color: "#E69F00", dash: "8 3")
    /// The pooler's server connections (active + idle + opening): reddish purple, solid.
    static let poolerServer = LineStyle(color: "#CC79A7", dash: nil)
    /// The pooler's server connections paired with a client: sky blue, dotted.
    static let poolerServerActive = LineStyle(color: "#56B4E9", dash: "2 2")
    /// The pooler's client capacity (instances × max_client_conn), a hard limit as
    /// `max_connections` is: black, long dashes.
    static let clientCapacity = LineStyle(color: "#000000", dash: "10 3 2 3", width: 1.5)
    /// The pooler's server pools: grey, dashed.
    static let serverPools = LineStyle(color: "#666666", dash: "6 3", width: 1.5)

    /// Each login outcome's line (`ok`, `bad_password`, `connect_failed`, …).
    static func outcome(_ kind: OutcomeClass) -> LineStyle {
        switch kind {
        case .ok: LineStyle(color: "#009E73", dash: nil)
        case .badPassword: LineStyle(color: "#56B4E9", dash: "2 2")
        case .poolTimeout: LineStyle(color: "#E69F00", dash: "8 3")
        case .connectFailed: LineStyle(color: "#D55E00", dash: "6 2 2 2")
        case .queryFailed: LineStyle(color: "#CC79A7", dash: "4 4")
        case .poolerRefused: LineStyle(color: "#0072B2", dash: "6 2 2 2")
        case .poolerTimeout: LineStyle(color: "#0072B2", dash: "8 3")
        case .requestTimeout: LineStyle(color: "#000000", dash: "1 3")
        }
    }

    /// The applications stacked on the connections-by-application chart, bottom to top:
    /// the Okabe–Ito colours that are neither side's, each with its own dash pattern, so
    /// neighbouring bands differ by their edge as well as their tint.
    static func application(_ index: Int) -> LineStyle {
        let styles = [
            LineStyle(color: "#009E73", dash: nil), LineStyle(color: "#E69F00", dash: "8 3"),
            LineStyle(color: "#56B4E9", dash: "2 2"), LineStyle(color: "#CC79A7", dash: "6 2 2 2"),
            LineStyle(color: "#F0E442", dash: "4 4"), LineStyle(color: "#000000", dash: "1 3"),
        ]
        return styles[index % styles.count]
    }

    /// Other clients (`other_clients`, or any application outside the fleet) on that chart.
    static let otherClients = LineStyle(color: "#666666", dash: "1 2")
    /// Usable plus other clients, the limit of that chart's whole stack: grey, dashed.
    static let usablePlusOthers = LineStyle(color: "#666666", dash: "6 3", width: 1.5)

    /// A light tint of `color` (`#rrggbb`), 35% of it over white: the fill of a stacked band.
    static func tint(_ color: String) -> String {
        let hex = Int(color.dropFirst(), radix: 16) ?? 0
        let channels = [(hex >> 16) & 0xFF, (hex >> 8) & 0xFF, hex & 0xFF].map { c in
            Int((Double(c) * 0.35 + 255 * 0.65).rounded())
        }
        return "#" + channels.map { String(format: "%02X", $0) }.joined()
    }

    /// The line at a side's first failed login: black, dotted, thin.
    static let firstFailure = LineStyle(color: "#000000", dash: "3 3", width: 1)

    /// Background of a phase band: light, so lines over it stay readable.
    static func phase(_ phase: Phase) -> String {
        switch phase {
        case .warmup: "#F2F2F2"
        case .steady: "#FFFFFF"
        case .spike: "#FCE9C8"
        case .deploy: "#DDEEFA"
        }
    }

    /// Background after the schedule's last login was due: logins still finishing.
    static let finishing = "#DADADA"

    /// Banner colours by decision: (background, text).
    static func banner(_ decision: Verdict.Decision) -> (String, String) {
        switch decision {
        case .pass: ("#009E73", "#FFFFFF")
        case .passWithWarnings: ("#F0E442", "#000000")
        case .blocked: ("#D55E00", "#FFFFFF")
        case .inconclusive: ("#E69F00", "#000000")
        }
    }
}
