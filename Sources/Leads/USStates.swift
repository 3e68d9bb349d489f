import Core

/// Facts about US states used by the lead generator and the feature extractor: population
/// (for sampling), the majority time zone (for local time of day), the census region and the
/// first digit of the state's ZIP codes.
public struct USState: Sendable {
    public let code: String
    /// Residents, millions (2020 census, rounded).
    public let population: Double
    /// Standard-time UTC offset of the zone where most residents live, hours.
    public let standardOffset: Double
    /// Whether the state observes daylight saving time.
    public let observesDST: Bool
    /// Census region: Northeast, Midwest, South, West.
    public let region: String
    /// First digit of the state's ZIP codes.
    public let zipFirstDigit: Int

    /// All 50 states and DC.
    public static let all: [USState] = [
        .init("AL", 5.0, -6, true, "South", 3), .init("AK", 0.7, -9, true, "West", 9),
        .init("AZ", 7.2, -7, false, "West", 8), .init("AR", 3.0, -6, true, "South", 7),
        .init("CA", 39.5, -8, true, "West", 9), .init("CO", 5.8, -7, true, "West", 8),
        .init("CT", 3.6, -5, true, "Northeast", 0), .init("DE", 1.0, -5, true, "South", 1),
        .init("DC", 0.7, -5, true, "South", 2), .init("FL", 21.5, -5, true, "South", 3),
        .init("GA", 10.7, -5, true, "South", 3), .init("HI", 1.5, -10, false, "West", 9),
        .init("ID", 1.8, -7, true, "West", 8), .init("IL", 12.8, -6, true, "Midwest", 6),
        .init("IN", 6.8, -5, true, "Midwest", 4), .init("IA", 3.2, -6, true, "Midwest", 5),
        .init("KS", 2.9, -6, true, "Midwest", 6), .init("KY", 4.5, -5, true, "South", 4),
        .init("LA", 4.7, -6, true, "South", 7), .init("ME", 1.4, -5, true, "Northeast", 0),
        .init("MD", 6.2, -5, true, "South", 2), .init("MA", 7.0, -5, true, "Northeast", 0),
        .init("MI", 10.1, -5, true, "Midwest", 4), .init("MN", 5.7, -6, true, "Midwest", 5),
        .init("MS", 3.0, -6, true, "South", 3), .init("MO", 6.2, -6, true, "Midwest", 6),
        .init("MT", 1.1, -7, true, "West", 5), .init("NE", 2.0, -6, true, "Midwest", 6),
        .init("NV", 3.1, -8, true, "West", 8), .init("NH", 1.4, -5, true, "Northeast", 0),
        .init("NJ", 9.3, -5, true, "Northeast", 0), .init("NM", 2.1, -7, true, "West", 8),
        .init("NY", 20.2, -5, true, "Northeast", 1), .init("NC", 10.4, -5, true, "South", 2),
        .init("ND", 0.8, -6, true, "Midwest", 5), .init("OH", 11.8, -5, true, "Midwest", 4),
        .init("OK", 4.0, -6, true, "South", 7), .init("OR", 4.2, -8, true, "West", 9),
        .init("PA", 13.0, -5, true, "Northeast", 1), .init("RI", 1.1, -5, true, "Northeast", 0),
        .init("SC", 5.1, -5, true, "South", 2), .init("SD", 0.9, -6, true, "Midwest", 5),
        .init("TN", 6.9, -6, true, "South", 3), .init("TX", 29.1, -6, true, "South", 7),
        .init("UT", 3.3, -7, true, "West", 8), .init("VT", 0.6, -5, true, "Northeast", 0),
        .init("VA", 8.6, -5, true, "South", 2), .init("WA", 7.7, -8, true, "West", 9),
        .init("WV", 1.8, -5, true, "South", 2), .init("WI", 5.9, -6, true, "Midwest", 5),
        .init("WY", 0.6, -7, true, "West", 8),
    ]

    private static let byCode: [String: USState] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    /// The state with this two-letter code (case-insensitive), if any.
    public static func named(_ code: String) -> USState? {
        byCode[code] ?? byCode[code.uppercased()]
    }

    private init(_ code: String, _ population: Double, _ standardOffset: Double, _ observesDST: Bool, _ region: String, _ zipFirstDigit: Int) {
        self.code = code
        self.population = population
        self.standardOffset = standardOffset
        self.observesDST = observesDST
        self.region = region
        self.zipFirstDigit = zipFirstDigit
    }

    /// The UTC offset in force at `seconds` (since 1970 UTC): US daylight saving time runs
    /// from 02:00 local on the second Sunday of March to 02:00 local on the first Sunday of
    /// November.
    public func utcOffset(at seconds: Double) -> Double {
        guard observesDST else { return standardOffset }
        let local = Timestamp.civil(seconds, offsetHours: standardOffset)
        let year = local.year
        let march1 = Timestamp.daysFromCivil(year: year, month: 3, day: 1)
        let november1 = Timestamp.daysFromCivil(year: year, month: 11, day: 1)
        // Weekday of day d: (d + 3) mod 7 with 0 = Monday; Sunday = 6.
        let firstSundayMarch = march1 + (6 - ((march1 % 7 + 7 + 3) % 7) + 7) % 7
        let firstSundayNovember = november1 + (6 - ((november1 % 7 + 7 + 3) % 7) + 7) % 7
        let start = Double(firstSundayMarch + 7) * 86_400 + 2 * 3600 - standardOffset * 3600
        let end = Double(firstSundayNovember) * 86_400 + 2 * 3600 - (standardOffset + 1) * 3600
        return seconds >= start && seconds < end ? standardOffset + 1 : standardOffset
    }
}
