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
    }

    var id: String
    var title: String
    var sides: [Side]
    var width: Double = 880

    private let labelWidth = 190.0, right = 150.0, barHeight = 18.0, rowGap = 6.0, groupGap = 22.0, top = 40.0

    /// The SVG element.
    func render() -> String {
        let plotW = width - labelWidth - right
        let rowsPerSide = 2.0
        let groupH = rowsPerSide * (barHeight + rowGap) + 16
        let height = top + Double(sides.count) * (groupH + groupGap) + 36
        let highest = Double(sides.flatMap { [$0.usable, $0.steadyDemand, $0.deployDemand, $0.maxConnections] }.max() ?? 1)
        let xMax = SVG.niceCeiling(highest)
        func px(_ v: Double) -> Double { labelWidth + max(v, 0) / xMax * plotW }

        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += SVG.text(title, x: 8, y: 18, size: 15, weight: "bold")
        var y = top
        for side in sides {
            out += SVG.text(side.name, x: 8, y: y + 12, size: 13, weight: "bold", fill: "#000000")
            let groupTop = y + 16
            var rowY = groupTop
            for (label, value) in [("steady demand", side.steadyDemand), ("deploy demand", side.deployDemand)] {
                out += SVG.text(label, x: labelWidth - 8, y: rowY + barHeight - 5, size: 12, anchor: "end")
                let w = px(Double(value)) - labelWidth
                let outline = side.style.dash.map { " stroke=\"#000000\" stroke-width=\"1.5\" stroke-dasharray=\"\($0)\"" } ?? ""
                out += "<rect x=\"\(SVG.number(labelWidth))\" y=\"\(SVG.number(rowY))\" width=\"\(SVG.number(w))\" height=\"\(SVG.number(barHeight))\" fill=\"\(side.style.color)\"\(outline)/>"
                let over = value - side.usable
                let note = over > 0 ? "\(value): \(over) over usable" : "\(value) (headroom \(-over))"
                // Right of both the bar and the usable marker, so the marker never crosses the words.
                let noteX = max(px(Double(value)), px(Double(side.usable))) + 8
                out += SVG.text(note, x: noteX, y: rowY + barHeight - 5, size: 12, weight: over > 0 ? "bold" : nil)
                rowY += barHeight + rowGap
            }
            // The side's usable limit, across its bars.
            let ux = px(Double(side.usable))
            out += "<line x1=\"\(SVG.number(ux))\" y1=\"\(SVG.number(groupTop - 4))\" x2=\"\(SVG.number(ux))\" y2=\"\(SVG.number(rowY))\" stroke=\"#000000\" stroke-width=\"3\"/>"
            out += SVG.text("usable \(side.usable)", x: ux, y: groupTop - 6, size: 11, anchor: "middle")
            y += groupH + groupGap
        }
        // The x axis.
        let axisY = y - groupGap + 4
        let ticks = SVG.ticks(0, xMax)
        out += SVG.hline(x1: labelWidth, x2: labelWidth + plotW, y: axisY, style: LineStyle(color: "#000000", dash: nil, width: 1))
        for t in ticks.values {
            out += "<line x1=\"\(SVG.number(px(t)))\" y1=\"\(SVG.number(axisY))\" x2=\"\(SVG.number(px(t)))\" y2=\"\(SVG.number(axisY + 5))\" stroke=\"#000000\" stroke-width=\"1\"/>"
            out += SVG.text(SVG.tickLabel(t, step: ticks.step), x: px(t), y: axisY + 18, size: 11, anchor: "middle")
        }
        out += SVG.text("connections to the server (whole fleet)", x: labelWidth + plotW / 2, y: axisY + 32, size: 12, anchor: "middle")
        return out + "</svg>"
    }
}
