import Foundation

/// `1234567` → `1,234,567`: counts for people (progress lines, reports, tables).
public func formatCount(_ value: Int) -> String {
    let digits = String(abs(value))
    var grouped = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
        grouped.append(character)
    }
    return (value < 0 ? "-" : "") + grouped
}

/// Seconds as `0.42 s`, `12.3 s`, `4 min 05 s`.
public func formatDuration(_ seconds: Double) -> String {
    if seconds < 1 { return String(format: "%.2f s", seconds) }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    return String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
}
