/// Conversions between seconds since 1970 UTC and civil (calendar) time, without Foundation's
/// calendars: fast, allocation-free and the same on every platform.
public enum Timestamp {
    /// Calendar fields of an instant seen at a fixed UTC offset.
    public struct Civil: Equatable, Sendable {
        public var year: Int
        /// 1…12
        public var month: Int
        /// 1…31
        public var day: Int
        /// 0…23
        public var hour: Int
        public var minute: Int
        public var second: Double
        /// 0 = Monday … 6 = Sunday (ISO 8601).
        public var weekday: Int
        /// 1…366
        public var dayOfYear: Int
    }

    /// The civil time of `seconds` (since 1970 UTC) at `offsetHours` from UTC.
    public static func civil(_ seconds: Double, offsetHours: Double = 0) -> Civil {
        let local = seconds + offsetHours * 3600
        let days = Int((local / 86_400).rounded(.down))
        let secondOfDay = local - Double(days) * 86_400
        let (year, month, day) = civilDate(fromDays: days)
        let weekday = ((days % 7) + 7 + 3) % 7  // 1970-01-01 was a Thursday (3)
        let dayOfYear = days - daysFromCivil(year: year, month: 1, day: 1) + 1
        let hour = min(23, Int(secondOfDay / 3600))
        let minute = min(59, Int((secondOfDay - Double(hour) * 3600) / 60))
        return Civil(year: year, month: month, day: day, hour: hour, minute: minute,
                     second: secondOfDay - Double(hour * 3600 + minute * 60), weekday: weekday, dayOfYear: dayOfYear)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day count since 1970-01-01.
    public static func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Seconds since 1970 UTC of a civil time at `offsetHours`.
    public static func seconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0, offsetHours: Double = 0) -> Double {
        Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Double(hour * 3600 + minute * 60) + second - offsetHours * 3600
    }

    /// The instants PostgreSQL's `timestamptz` holds, in seconds since 1970 UTC: from
    /// 4714-11-24 BC (Julian day 0) to the start of 294277 AD. Every value here converts to a
    /// civil date without overflow.
    public static let postgreSQLRange: ClosedRange<Double> = -210_866_803_200 ... 9_224_318_016_000

    /// Parses a timestamp: seconds since 1970 as a decimal number, or ISO 8601 /
    /// PostgreSQL text (`2026-11-25 15:40:44.123+00`, `2026-11-25T15:40:44Z`,
    /// `…+05:30`; no offset means UTC; a bare date means midnight UTC). `nil` if malformed or
    /// outside ``postgreSQLRange`` (`-1e300` is not an instant, and would trap the calendar
    /// arithmetic). Numbers follow JSON's grammar (``JSONParser/number(_:)``).
    public static func parse(_ text: String) -> Double? {
        if let number = JSONParser.number(text) {
            return postgreSQLRange.contains(number) ? number : nil
        }
        let bytes = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for k in 0..<count {
                let d = Int(bytes[i + k]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                value = value * 10 + d
            }
            i += count
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == character else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0.0, offset = 0.0
        if i < bytes.count {
            guard bytes[i] == 84 || bytes[i] == 32 else { return nil }  // 'T' or ' '
            i += 1
            guard let h = digits(2), expect(58), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h; minute = m
            if expect(58) {
                guard let s = digits(2), s < 61 else { return nil }
                second = Double(s)
                if expect(46) {
                    var scale = 0.1
                    var any = false
                    while i < bytes.count, bytes[i] >= 48 && bytes[i] <= 57 {
                        second += Double(bytes[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            if i < bytes.count {
                if bytes[i] == 90 { i += 1 }  // 'Z'
                else {
                    guard bytes[i] == 43 || bytes[i] == 45 else { return nil }
                    let sign = bytes[i] == 45 ? -1.0 : 1.0
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    var om = 0
                    if expect(58) { guard let m = digits(2) else { return nil }; om = m }
                    else if i + 2 <= bytes.count, let m = digits(2) { om = m }
                    offset = sign * (Double(oh) + Double(om) / 60)
                }
            }
            guard i == bytes.count else { return nil }
        }
        return seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetHours: offset)
    }

    /// ISO 8601 in UTC with microseconds, as PostgreSQL accepts and prints it:
    /// `2026-11-25 15:40:44.123456+00`.
    public static func format(_ seconds: Double) -> String {
        let c = civil(seconds)
        var micros = Int((c.second * 1_000_000).rounded())
        var wholeSeconds = micros / 1_000_000
        micros -= wholeSeconds * 1_000_000
        if wholeSeconds > 59 { wholeSeconds = 59; micros = 999_999 }
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(wholeSeconds, 2)).\(pad(micros, 6))+00"
    }

    /// ISO 8601 in UTC to the second, as JSON APIs expect it: `2026-11-25T15:40:44Z`.
    public static func iso8601(_ seconds: Double) -> String {
        let c = civil(seconds.rounded(.down))
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(c.year)-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(Int(c.second)))Z"
    }
}
