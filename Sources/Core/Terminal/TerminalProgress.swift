import Foundation

/// Shows the progress of long work: a redrawn bar with rate and ETA on a terminal, plain log
/// lines (at most one every few seconds) otherwise, so that logs stay readable.
public final class TerminalProgress {
    private let label: String
    private let total: Int?
    private let unit: String
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let interactive = Console.errorIsTerminal

    public init(_ label: String, total: Int?, unit: String = "rows") {
        self.label = label
        self.total = total
        self.unit = unit
    }

    /// Reports `done` units finished so far, with an optional note (e.g. the best score so far).
    public func update(_ done: Int, note: String? = nil) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : 5) || done == total else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 1e-6)
        let rate = Double(done) / elapsed
        var text = "\(label): \(formatCount(done))"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let bar = interactive ? "[" + String(repeating: "#", count: Int(fraction * 24)) + String(repeating: " ", count: 24 - Int(fraction * 24)) + "] " : ""
            let speed = rate >= 1 || rate == 0 ? "\(formatCount(Int(rate)))/s" : "\(formatDuration(1 / rate)) each"
            text = "\(label): \(bar)\(Int(fraction * 100))% \(formatCount(done))/\(formatCount(total)) \(unit), \(speed), ETA \(formatDuration(eta))"
        } else {
            text += " \(unit), \(formatCount(Int(rate)))/s"
        }
        if let note { text += " — \(note)" }
        if interactive {
            try? OutputFile.standardError.write("\r\u{1B}[K" + text)
        } else {
            Console.error(text)
        }
    }

    /// Ends the display with a summary line.
    public func finish(_ summary: String) {
        if interactive { try? OutputFile.standardError.write("\r\u{1B}[K") }
        Console.error("\(label): \(summary) in \(formatDuration(Date().timeIntervalSince(started)))")
    }
}
