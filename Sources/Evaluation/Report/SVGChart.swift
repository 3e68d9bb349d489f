import Foundation

/// Small, dependency-free SVG charts for the HTML report: line charts (curves) and bar
/// charts (histograms, importance). Text is escaped; sizes are in CSS pixels.
public enum SVGChart {
    /// One line of a line chart.
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// A line chart of `series` over the given axis ranges, with an optional dashed diagonal
    /// (the chance line of ROC, the ideal of a reliability diagram).
    public static func lines(_ series: [Series], title: String, xLabel: String, yLabel: String,
                             xRange: ClosedRange<Double> = 0...1, yRange: ClosedRange<Double> = 0...1,
                             diagonal: Bool = false, width: Double = 420, height: Double = 320) -> String {
        let frame = Frame(width: width, height: height, xRange: xRange, yRange: yRange)
        var body = frame.axes(title: title, xLabel: xLabel, yLabel: yLabel)
        if diagonal {
            body += "<line x1=\"\(frame.x(xRange.lowerBound))\" y1=\"\(frame.y(yRange.lowerBound))\" x2=\"\(frame.x(xRange.upperBound))\" y2=\"\(frame.y(yRange.upperBound))\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>"
        }
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let path = line.points.map { "\(frame.x($0.x)),\(frame.y($0.y))" }.joined(separator: " ")
            body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            body += "<text x=\"\(frame.left + 10)\" y=\"\(frame.top + 16 + Double(index) * 16)\" fill=\"\(color)\" font-size=\"12\">\(escape(line.name))</text>"
        }
        return frame.wrap(body)
    }

    /// A bar chart: one group of bars per label, one bar per series value.
    public static func bars(labels: [String], series: [(name: String, values: [Double])], title: String, yLabel: String,
                            horizontal: Bool = false, width: Double = 420, height: Double = 320) -> String {
        let maximum = max(series.flatMap(\.values).max() ?? 1, 1e-12)
        if horizontal {
            let rowHeight = 18.0, labelWidth = 170.0
            let chartHeight = Double(labels.count) * rowHeight + 40
            var body = "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
            for (row, label) in labels.enumerated() {
                let value = series.first?.values[row] ?? 0
                let y = 28 + Double(row) * rowHeight
                let length = (width - labelWidth - 60) * value / maximum
                body += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 12)\" text-anchor=\"end\" font-size=\"11\">\(escape(label))</text>"
                body += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(max(0, length))\" height=\"\(rowHeight - 5)\" fill=\"\(palette[0])\"/>"
                body += "<text x=\"\(labelWidth + length + 4)\" y=\"\(y + 12)\" font-size=\"10\">\(format(value))</text>"
            }
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(chartHeight)\" viewBox=\"0 0 \(width) \(chartHeight)\" role=\"img\"><title>\(escape(title))</title>\(body)</svg>"
        }
        let frame = Frame(width: width, height: height, xRange: 0...Double(max(1, labels.count)), yRange: 0...niceMaximum(maximum))
        var body = frame.axes(title: title, xLabel: "", yLabel: yLabel, xTicks: false)
        let groupWidth = (frame.right - frame.left) / Double(max(1, labels.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, series.count))
        for (s, item) in series.enumerated() {
            let color = palette[s % palette.count]
            for (k, value) in item.values.enumerated() {
                let x = frame.left + Double(k) * groupWidth + groupWidth * 0.1 + Double(s) * barWidth
                body += "<rect x=\"\(x)\" y=\"\(frame.y(value))\" width=\"\(barWidth)\" height=\"\(format(frame.yPosition(0) - frame.yPosition(value)))\" fill=\"\(color)\" fill-opacity=\"0.75\"/>"
            }
            body += "<text x=\"\(frame.right - 10)\" y=\"\(frame.top + 16 + Double(s) * 16)\" text-anchor=\"end\" fill=\"\(color)\" font-size=\"12\">\(escape(item.name))</text>"
        }
        if labels.count <= 12 {
            for (k, label) in labels.enumerated() {
                body += "<text x=\"\(frame.left + (Double(k) + 0.5) * groupWidth)\" y=\"\(frame.bottom + 14)\" text-anchor=\"middle\" font-size=\"10\">\(escape(label))</text>"
            }
        }
        return frame.wrap(body)
    }

    /// A SHAP summary ("beeswarm") plot: one strip per feature, top first; each point a row at
    /// x = its contribution, spread vertically by a fixed jitter, coloured by the rank of the
    /// row's feature value (blue low → red high; grey where missing or categorical).
    public static func contributionStrips(_ features: [(name: String, contributions: [Double], valueRanks: [Double?])], title: String,
                                          width: Double = 560) -> String {
        let rowHeight = 22.0, labelWidth = 150.0, top = 30.0
        let height = top + Double(features.count) * rowHeight + 40
        let extent = niceMaximum(max(features.flatMap(\.contributions).map(abs).max() ?? 1, 1e-12), ticks: 2)
        let left = labelWidth, right = width - 16
        func x(_ value: Double) -> Double { left + (value + extent) / (2 * extent) * (right - left) }
        var body = "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
        body += "<line x1=\"\(format(x(0)))\" y1=\"\(top)\" x2=\"\(format(x(0)))\" y2=\"\(format(height - 36))\" stroke=\"#999\"/>"
        for (row, feature) in features.enumerated() {
            let y = top + Double(row) * rowHeight + rowHeight / 2
            body += "<text x=\"\(labelWidth - 6)\" y=\"\(format(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(escape(feature.name))</text>"
            for (i, value) in feature.contributions.enumerated() {
                let jitter = ((Double(i) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) - 0.5) * (rowHeight - 6)
                let color: String
                if let rank = feature.valueRanks[i] {
                    color = "rgb(\(Int(40 + 200 * rank)),60,\(Int(240 - 200 * rank)))"
                } else {
                    color = "#999"
                }
                body += "<circle cx=\"\(format(x(value)))\" cy=\"\(format(y + jitter))\" r=\"1.6\" fill=\"\(color)\" fill-opacity=\"0.6\"/>"
            }
        }
        for k in 0...4 {
            let value = -extent + Double(k) * extent / 2
            body += "<text x=\"\(format(x(value)))\" y=\"\(format(height - 22))\" text-anchor=\"middle\" font-size=\"10\">\(format(value))</text>"
        }
        body += "<text x=\"\((left + right) / 2)\" y=\"\(format(height - 6))\" text-anchor=\"middle\" font-size=\"12\">contribution to the log-odds (colour: feature value, blue low → red high)</text>"
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(width))\" height=\"\(format(height))\" viewBox=\"0 0 \(format(width)) \(format(height))\" role=\"img\"><title>\(escape(title))</title>\(body)</svg>"
    }

    /// Plot area and axes.
    struct Frame {
        let width: Double, height: Double
        let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
        let left = 56.0, top = 28.0
        var right: Double { width - 16 }
        var bottom: Double { height - 44 }

        func x(_ value: Double) -> String { format(left + (value - xRange.lowerBound) / span(xRange) * (right - left)) }
        func y(_ value: Double) -> String { format(yPosition(value)) }
        func yPosition(_ value: Double) -> Double { bottom - (value - yRange.lowerBound) / span(yRange) * (bottom - top) }
        private func span(_ range: ClosedRange<Double>) -> Double { max(range.upperBound - range.lowerBound, 1e-12) }

        func axes(title: String, xLabel: String, yLabel: String, xTicks: Bool = true) -> String {
            var text = "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
            text += "<text x=\"\(width / 2)\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
            text += "<text x=\"\((left + right) / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>"
            text += "<text transform=\"translate(14 \((top + bottom) / 2)) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(escape(yLabel))</text>"
            for k in 0...4 {
                let fraction = Double(k) / 4
                let yValue = yRange.lowerBound + fraction * (yRange.upperBound - yRange.lowerBound)
                text += "<text x=\"\(left - 4)\" y=\"\(format(bottom - fraction * (bottom - top) + 4))\" text-anchor=\"end\" font-size=\"10\">\(SVGChart.format(yValue))</text>"
                if xTicks {
                    let xValue = xRange.lowerBound + fraction * (xRange.upperBound - xRange.lowerBound)
                    text += "<text x=\"\(format(left + fraction * (right - left)))\" y=\"\(bottom + 14)\" text-anchor=\"middle\" font-size=\"10\">\(SVGChart.format(xValue))</text>"
                }
            }
            return text
        }

        func wrap(_ body: String) -> String {
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(width))\" height=\"\(format(height))\" viewBox=\"0 0 \(format(width)) \(format(height))\" role=\"img\">\(body)</svg>"
        }
    }

    /// The smallest maximum ≥ `value` (> 0) whose `ticks` equal steps from 0 are round
    /// numbers (1, 1.5, 2, 2.5, 3, 4 or 5 × 10ᵏ), so axis labels read 0, 0.15, 0.3, … rather
    /// than 0, 0.1265, 0.253, ….
    static func niceMaximum(_ value: Double, ticks: Int = 4) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let raw = value / Double(ticks)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1, 1.5, 2, 2.5, 3, 4, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-12) } ?? 10 * magnitude
        return step * Double(ticks)
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        return abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }

    /// Escapes text for XML/HTML.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
