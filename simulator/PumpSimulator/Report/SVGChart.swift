import Foundation

/// A minimal line-chart writer for the reports: axes, ticks, labelled series, reference lines.
/// Plain SVG text, so the reports need nothing installed to view.
struct SVGChart {
    struct Series {
        var label: String
        var colour: String
        var points: [(Double, Double)]
        var dashed = false
        var markers = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    var series: [Series] = []
    var width = 800.0
    var height = 480.0
    private let margin = (left: 70.0, right: 170.0, top: 40.0, bottom: 55.0)

    init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange.lowerBound < xRange.upperBound ? xRange : xRange.lowerBound...(xRange.lowerBound + 1)
        self.yRange = yRange.lowerBound < yRange.upperBound ? yRange : yRange.lowerBound...(yRange.lowerBound + 1)
    }

    private func x(_ value: Double) -> Double {
        margin.left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (width - margin.left - margin.right)
    }

    private func y(_ value: Double) -> Double {
        height - margin.bottom - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (height - margin.top - margin.bottom)
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Round tick values (1, 2 or 5 × 10ⁿ apart), about five per axis.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let rough = span / 5
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var value = (range.lowerBound / step).rounded(.up) * step
        var result: [Double] = []
        while value <= range.upperBound + step * 1e-9 {
            result.append(value)
            value += step
        }
        return result
    }

    /// Stacks charts vertically in one SVG document.
    static func stack(_ charts: [SVGChart]) -> String {
        let width = charts.map(\.width).max() ?? 0
        let height = charts.reduce(0) { $0 + $1.height }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        var top = 0.0
        for chart in charts {
            svg += chart.render().replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\"", with: "<svg y=\"\(Int(top))\"")
            top += chart.height
        }
        return svg + "</svg>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    func render() -> String {
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(Self.escape(title))</text>

            """
        let plotRight = width - margin.right
        let plotBottom = height - margin.bottom
        for xValue in Self.ticks(xRange) {
            svg += "<line x1=\"\(x(xValue))\" y1=\"\(margin.top)\" x2=\"\(x(xValue))\" y2=\"\(plotBottom)\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(x(xValue))\" y=\"\(plotBottom + 18)\" text-anchor=\"middle\">\(Self.format(xValue))</text>\n"
        }
        for yValue in Self.ticks(yRange) {
            svg += "<line x1=\"\(margin.left)\" y1=\"\(y(yValue))\" x2=\"\(plotRight)\" y2=\"\(y(yValue))\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(margin.left - 8)\" y=\"\(y(yValue) + 4)\" text-anchor=\"end\">\(Self.format(yValue))</text>\n"
        }
        svg += "<rect x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(plotRight - margin.left)\" height=\"\(plotBottom - margin.top)\" fill=\"none\" stroke=\"black\"/>\n"
        svg += "<text x=\"\((margin.left + plotRight) / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(18 \((margin.top + plotBottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        var legend: [String] = []
        for line in series {
            let clipped = line.points.map { (x($0.0), y(min(max($0.1, yRange.lowerBound), yRange.upperBound))) }
            let path = clipped.map { "\(Self.format($0.0)),\(Self.format($0.1))" }.joined(separator: " ")
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"\(dash)/>\n"
            if line.markers {
                for point in clipped { svg += "<circle cx=\"\(point.0)\" cy=\"\(point.1)\" r=\"3.5\" fill=\"\(line.colour)\"/>\n" }
            }
            // Each label once in the legend (an alarm raised four times is one entry).
            guard !legend.contains(line.label) else { continue }
            legend.append(line.label)
            let legendY = margin.top + 10 + Double(legend.count - 1) * 20
            svg += "<line x1=\"\(plotRight + 12)\" y1=\"\(legendY)\" x2=\"\(plotRight + 36)\" y2=\"\(legendY)\" stroke=\"\(line.colour)\" stroke-width=\"2\"\(dash)/>\n"
            svg += "<text x=\"\(plotRight + 42)\" y=\"\(legendY + 4)\">\(Self.escape(line.label))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
