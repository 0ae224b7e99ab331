/// A one-line chart of a series in block characters (`▁▂▃▄▅▆▇█`), for places that show no
/// pictures: a pull-request comment, a terminal. Reduced to `width` cells by the maximum of
/// each bucket, so a peak is never dropped.
enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// `values` scaled from `bottom` to `top` (values outside draw as the lowest or top block).
    static func render(_ values: [Int], bottom: Int = 0, top: Int, width: Int = 60) -> String {
        guard !values.isEmpty, top > bottom else { return "" }
        let cells = min(width, values.count)
        var out = ""
        for cell in 0..<cells {
            let from = cell * values.count / cells
            let to = max(from + 1, (cell + 1) * values.count / cells)
            let peak = values[from..<to].max() ?? 0
            let share = Double(peak - bottom) / Double(top - bottom)
            let level = min(blocks.count - 1, max(0, Int((share * Double(blocks.count - 1)).rounded())))
            out.append(blocks[level])
        }
        return out
    }
}
