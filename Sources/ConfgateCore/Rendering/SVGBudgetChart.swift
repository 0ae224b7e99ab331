/// The connection budget as horizontal bars, one group per side: steady and deploy demand
/// drawn against that side's usable connections (a black marker), with the number at
/// each bar's end and the overflow said in words. The proposed side's bars carry a dashed
/// outline, so the sides differ by more than colour.
struct SVGBudgetChart {
    /// One side's figures.
    struct Side {
        var name: String
        var style: LineStyle
        var usable: Int
        var maxConnections: Int
        var steadyDemand: Int
        var deployDemand: Int
        /// With a pooler: the client capacity demand meets (instead of usable), and the
        /// pooler's server connections, drawn as a third bar against usable.
        var pooler: Derived.PoolerTier? = nil

        /// The bars: label, value, the limit it meets and that limit's name.
        var bars: [(label: String, value: Int, limit: Int, limitName: String)] {
            guard let pooler else {
                return [("steady demand", steadyDemand, usable, "usable"), ("deploy demand", deployDemand, usable, "usable")]
            }
            return [("steady demand", steadyDemand, pooler.clientCapacity, "client capacity"),
                    ("deploy demand", deployDemand, pooler.clientCapacity, "client capacity"),
                    ("pooler server conns", pooler.serverConnections, usable, "usable")]
        }
    }

    var id: String
    var title: String
    var sides: [Side]
    var width: Double = 880

    private let labelWidth = 190.0, right = 150.0, barHeight = 18.0, rowGap = 6.0, groupGap = 22.0, top = 40.0

    /// The SVG element.
    func render() -> String {
        let plotW = width - labelWidth - right
        // A pooler side has a third bar, a line for its first marker's label under its name,
        // and its second marker's label under the bars.
        func extra(_ side: Side) -> Double { side.pooler == nil ? 0 : 14 }
        func groupH(_ side: Side) -> Double { Double(side.bars.count) * (barHeight + rowGap) + 16 + 2 * extra(side) }
        let height = top + sides.reduce(0) { $0 + groupH($1) + groupGap } + 36
        let highest = Double(sides.flatMap { [$0.usable, $0.steadyDemand, $0.deployDemand, $0.maxConnections]
            + ($0.pooler.map { [$0.clientCapacity, $0.serverConnections] } ?? []) }.max() ?? 1)
        let xMax = SVG.niceCeiling(highest)
        func px(_ v: Double) -> Double { labelWidth + max(v, 0) / xMax * plotW }

        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += SVG.text(title, x: 8, y: 18, size: 15, weight: "bold")
        var y = top
        for side in sides {
            out += SVG.text(side.name, x: 8, y: y + 12, size: 13, weight: "bold", fill: "#000000")
            let groupTop = y + 16 + extra(side)
            var rowY = groupTop
            // Each run of bars meeting one limit gets one marker across it.
            var markers: [(limit: Int, name: String, from: Double, to: Double)] = []
            for (label, value, limit, limitName) in side.bars {
                out += SVG.text(label, x: labelWidth - 8, y: rowY + barHeight - 5, size: 12, anchor: "end")
                let w = px(Double(value)) - labelWidth
                let outline = side.style.dash.map { " stroke=\"#000000\" stroke-width=\"1.5\" stroke-dasharray=\"\($0)\"" } ?? ""
                out += "<rect x=\"\(SVG.number(labelWidth))\" y=\"\(SVG.number(rowY))\" width=\"\(SVG.number(w))\" height=\"\(SVG.number(barHeight))\" fill=\"\(side.style.color)\"\(outline)/>"
                let over = value - limit
                let note = over > 0 ? "\(value): \(over) over \(limitName)" : "\(value) (headroom \(-over))"
                // Right of both the bar and the limit's marker, so the marker never crosses the words.
                let noteX = max(px(Double(value)), px(Double(limit))) + 8
                out += SVG.text(note, x: noteX, y: rowY + barHeight - 5, size: 12, weight: over > 0 ? "bold" : nil)
                if let last = markers.last, last.limit == limit, last.name == limitName {
                    markers[markers.count - 1].to = rowY + barHeight + rowGap / 2
                } else {
                    markers.append((limit, limitName, markers.isEmpty ? groupTop - 4 : rowY - rowGap / 2, rowY + barHeight + rowGap / 2))
                }
                rowY += barHeight + rowGap
            }
            // The side's limits, each across its bars: the first labelled above, a second below.
            for (i, marker) in markers.enumerated() {
                let ux = px(Double(marker.limit))
                out += "<line x1=\"\(SVG.number(ux))\" y1=\"\(SVG.number(marker.from))\" x2=\"\(SVG.number(ux))\" y2=\"\(SVG.number(i == markers.count - 1 ? rowY : marker.to))\" stroke=\"#000000\" stroke-width=\"3\"/>"
                out += SVG.text("\(marker.name) \(marker.limit)", x: ux, y: i == 0 ? groupTop - 6 : rowY + 10, size: 11, anchor: "middle")
            }
            y += groupH(side) + groupGap
        }
        // The x axis.
        let axisY = y - groupGap + 4
        let ticks = SVG.ticks(0, xMax)
        out += SVG.hline(x1: labelWidth, x2: labelWidth + plotW, y: axisY, style: LineStyle(color: "#000000", dash: nil, width: 1))
        for t in ticks.values {
            out += "<line x1=\"\(SVG.number(px(t)))\" y1=\"\(SVG.number(axisY))\" x2=\"\(SVG.number(px(t)))\" y2=\"\(SVG.number(axisY + 5))\" stroke=\"#000000\" stroke-width=\"1\"/>"
            out += SVG.text(SVG.tickLabel(t, step: ticks.step), x: px(t), y: axisY + 18, size: 11, anchor: "middle")
        }
        let axis = sides.contains { $0.pooler != nil } ? "connections (whole fleet; with a pooler, demand is connections to it)" : "connections to the server (whole fleet)"
        out += SVG.text(axis, x: labelWidth + plotW / 2, y: axisY + 32, size: 12, anchor: "middle")
        return out + "</svg>"
    }
}
