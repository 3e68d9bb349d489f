import Core
import Foundation

/// The features of one lead: numeric values (NaN = missing) and categorical values (text,
/// `nil` = missing), in the order of ``FeatureExtractor/schema``.
public struct LeadFeatures: Sendable, Equatable {
    public var numeric: [Float]
    public var categorical: [String?]
}

/// The names and kinds of the features a ``FeatureExtractor`` produces.
public struct LeadFeatureSchema: Sendable, Equatable {
    /// Numeric feature names, in vector order.
    public var numericNames: [String]
    /// Categorical feature names, in vector order (native categoricals for trees, one-hot
    /// for linear models).
    public var categoricalNames: [String]
    /// All feature names: numeric then categorical.
    public var allNames: [String] { numericNames + categoricalNames }
}

/// Turns a lead (and its agent) into model features. This is the one implementation used in
/// training, in the HTTP service and in the batch scorer, so the three see bit-identical
/// features for the same lead.
///
/// Groups: contact completeness and validity; engagement; time (in the lead's local time,
/// from its state's time zone, US daylight-saving rules; Eastern when the state is unknown);
/// agent; source and UTM; vertical, region and product; and a few interactions the domain
/// suggests (a quote request answered by a fast agent, business hours for commercial leads…).
/// Nothing from the outcome (`accepted`, `converted`, `convertedAt`, `revenue`) or from the
/// scoring columns is used.
public struct FeatureExtractor: Sendable {
    /// Bumped whenever a feature's definition changes; stored in artifacts so that a model is
    /// never fed features computed another way.
    public static let version = 1

    public init() {}

    /// The feature names and kinds (computed once from a blank lead).
    public static let schema: LeadFeatureSchema = {
        var sink = FeatureSink(recordingNames: true)
        FeatureExtractor().write(LeadRecord(id: 0, vertical: "pc", createdAt: 0), agent: nil, to: &sink)
        return LeadFeatureSchema(numericNames: sink.numericNames, categoricalNames: sink.categoricalNames)
    }()

    /// The features of `lead`, whose assigned agent is `agent` (`nil`: unassigned or unknown).
    public func extract(_ lead: LeadRecord, agent: AgentRecord?) -> LeadFeatures {
        var sink = FeatureSink(recordingNames: false)
        write(lead, agent: agent, to: &sink)
        return LeadFeatures(numeric: sink.numeric, categorical: sink.categorical)
    }

    /// Whether `text` contains the ASCII `needle`, compared byte by byte on UTF-8. With
    /// Foundation imported, `String.contains(String)` is NSString's `range(of:)`, which bridges
    /// the string and was a tenth of feature extraction's time; for an ASCII needle the byte
    /// search finds the same matches (an ASCII byte never occurs inside a multi-byte character).
    static func containsASCII(_ text: String, _ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard !pattern.isEmpty else { return true }
        let search = { (bytes: UnsafeBufferPointer<UInt8>) -> Bool in
            guard bytes.count >= pattern.count else { return false }
            outer: for start in 0...(bytes.count - pattern.count) {
                for k in 0..<pattern.count where bytes[start + k] != pattern[k] { continue outer }
                return true
            }
            return false
        }
        return text.utf8.withContiguousStorageIfAvailable(search) ?? Array(text.utf8).withUnsafeBufferPointer(search)
    }

    /// `text` without leading and trailing spaces: the characters of Foundation's
    /// `CharacterSet.whitespaces` (Unicode category Zs and the tab), without its bridging cost
    /// on the serving path.
    static func trimmingSpaces(_ text: String) -> String {
        // Among ASCII characters only the space and the tab trim; other ASCII ends stay.
        if let first = text.utf8.first, let last = text.utf8.last, first < 0x80, last < 0x80,
           first != 0x20, first != 0x09, last != 0x20, last != 0x09 {
            return text
        }
        let scalars = text.unicodeScalars
        func isSpace(_ s: Unicode.Scalar) -> Bool { s == "\t" || s.properties.generalCategory == .spaceSeparator }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return text }
        return String(scalars[first...last])
    }

    // MARK: The features

    private func write(_ lead: LeadRecord, agent: AgentRecord?, to f: inout FeatureSink) {
        let vertical = LeadText.lowercased(lead.vertical)
        let state = lead.state.flatMap(USState.named)

        // Contact.
        let email = lead.email.map { LeadText.lowercased(Self.trimmingSpaces($0)) }
        let emailParts = email?.split(separator: "@", omittingEmptySubsequences: false)
        let emailDomain = emailParts.flatMap { $0.count == 2 ? String($0[1]) : nil }
        let emailValid = email != nil && emailParts?.count == 2 && !(emailParts![0].isEmpty)
            && (emailDomain.map { Self.containsASCII($0, ".") } ?? false) && !(emailDomain!.hasPrefix(".")) && !(emailDomain!.hasSuffix("."))
        let emailClass = Self.emailClass(email: email, domain: emailDomain, valid: emailValid)
        f.flag("has_email", email.map { !$0.isEmpty } ?? false)
        f.flag("email_valid", emailValid)
        f.flag("email_free_provider", emailClass == "free")
        f.flag("email_corporate", emailClass == "corporate")
        f.flag("email_edu_or_gov", emailClass == "edu" || emailClass == "gov")
        f.number("email_length", email.map { Float($0.count) } ?? .nan)
        f.flag("email_has_digits", email.map(LeadText.containsNumber))
        let phoneDigits = lead.phone.map(LeadText.asciiDigits)
        let nationalDigits = phoneDigits.map { $0.count == 11 && $0.hasPrefix("1") ? String($0.dropFirst()) : $0 }
        let phoneValid = nationalDigits.map { $0.count == 10 && !$0.hasPrefix("0") && !$0.hasPrefix("1") } ?? false
        f.flag("has_phone", lead.phone.map { !$0.isEmpty } ?? false)
        f.flag("phone_valid", phoneValid)
        f.number("phone_digit_count", phoneDigits.map { Float($0.count) } ?? .nan)
        f.flag("phone_toll_free", nationalDigits.map { Self.tollFreePrefixes.contains(String($0.prefix(3))) })
        f.flag("phone_formatted", lead.phone.map { Self.containsASCII($0, "(") || Self.containsASCII($0, "-") })
        let hasFirst = lead.firstName.map { !$0.isEmpty } ?? false
        let hasLast = lead.lastName.map { !$0.isEmpty } ?? false
        f.flag("has_first_name", hasFirst)
        f.flag("has_last_name", hasLast)
        f.flag("has_full_name", hasFirst && hasLast)
        f.number("name_length", hasFirst || hasLast ? Float((lead.firstName ?? "").count + (lead.lastName ?? "").count) : .nan)
        f.flag("name_capitalised", hasFirst ? lead.firstName!.first!.isUppercase : nil)
        let hasAddress = lead.address.map { !$0.isEmpty } ?? false
        f.flag("has_address", hasAddress)
        f.flag("address_has_number", lead.address.map(LeadText.startsWithNumber))
        let zipDigits = lead.zipcode.map { $0.prefix(5) }
        let zipValid = zipDigits.map { LeadText.isNumbers($0, count: 5) } ?? false
        f.flag("has_zipcode", lead.zipcode.map { !$0.isEmpty } ?? false)
        f.flag("zipcode_valid", zipValid)
        f.flag("zipcode_matches_state", zipValid && state != nil ? Int(String(zipDigits!.prefix(1))) == state!.zipFirstDigit : nil)
        f.flag("has_state", state != nil)
        var completeness: Float = 0
        if emailValid { completeness += 0.3 }
        if phoneValid { completeness += 0.25 }
        if hasFirst && hasLast { completeness += 0.15 }
        if hasAddress { completeness += 0.15 }
        if zipValid { completeness += 0.1 }
        if state != nil { completeness += 0.05 }
        let fieldsPresent = [lead.email, lead.phone, lead.firstName, lead.lastName, lead.address, lead.zipcode, lead.state].filter { $0 != nil }.count
        f.number("contact_completeness", completeness)
        f.number("contact_completeness_squared", completeness * completeness)
        f.number("contact_fields_present", Float(fieldsPresent))
        f.flag("contact_complete", completeness >= 0.999)

        // Engagement.
        let pages = lead.pagesVisited.map(Float.init)
        let time = lead.timeOnSiteSeconds.map(Float.init)
        let form = lead.formCompleted, quote = lead.quoteRequested
        f.flag("form_completed", form)
        f.flag("quote_requested", quote)
        f.flag("form_and_quote", form.flatMap { a in quote.map { a && $0 } })
        f.number("pages_visited", pages ?? .nan)
        f.number("log_pages_visited", pages.map { log1p(max(0, $0)) } ?? .nan)
        f.number("time_on_site_s", time ?? .nan)
        f.number("log_time_on_site", time.map { log1p(max(0, $0)) } ?? .nan)
        f.number("time_per_page_s", pages.flatMap { p in time.map { p > 0 ? $0 / p : .nan } } ?? .nan)
        f.flag("long_idle_session", time.map { $0 > 1800 })
        f.flag("bounced", pages.map { $0 <= 1 })
        f.flag("return_visitor", lead.returnVisitor)
        f.flag("mobile", lead.mobile)
        let sourceEngagement = Self.sourceEngagementLevel(lead.source)
        f.number("source_engagement_level", sourceEngagement)
        var engagement: Float = 0
        if form == true { engagement += 0.3 }
        if quote == true { engagement += 0.25 }
        if let pages { engagement += 0.2 * min(1, pages / 10) }
        if let time { engagement += 0.15 * min(1, time / 600) }
        if lead.returnVisitor == true { engagement += 0.1 }
        f.number("engagement_score", engagement)
        f.flag("high_intent", (form == true && quote == true && (pages ?? 0) >= 5))

        // Time, in the lead's local time.
        let offset = state?.utcOffset(at: lead.createdAt) ?? USState.named("NY")!.utcOffset(at: lead.createdAt)
        let local = Timestamp.civil(lead.createdAt, offsetHours: offset)
        let hour = Float(local.hour) + Float(local.minute) / 60
        f.number("hour_local", Float(local.hour))
        f.number("hour_sin", sin(2 * .pi * hour / 24))
        f.number("hour_cos", cos(2 * .pi * hour / 24))
        f.number("day_of_week", Float(local.weekday))
        f.number("day_of_week_sin", sin(2 * .pi * Float(local.weekday) / 7))
        f.number("day_of_week_cos", cos(2 * .pi * Float(local.weekday) / 7))
        let weekend = local.weekday >= 5
        let businessHours = !weekend && (9..<17).contains(local.hour)
        let evening = (17..<22).contains(local.hour)
        f.flag("is_weekend", weekend)
        f.flag("is_business_hours", businessHours)
        f.flag("is_evening", evening)
        f.flag("is_night", local.hour < 6)
        f.flag("is_lunch_hour", local.hour == 12)
        f.number("month", Float(local.month))
        f.number("month_sin", sin(2 * .pi * Float(local.month - 1) / 12))
        f.number("month_cos", cos(2 * .pi * Float(local.month - 1) / 12))
        f.number("quarter", Float((local.month - 1) / 3 + 1))
        f.number("day_of_month", Float(local.day))
        f.number("week_of_year", Float(min(53, (local.dayOfYear - 1) / 7 + 1)))
        f.flag("is_month_end", local.day >= 28)
        let openEnrollment = local.month == 11 || local.month == 12 || local.month == 1
        f.flag("is_open_enrollment", openEnrollment)
        f.number("utc_offset_hours", Float(offset))

        // Agent.
        let response = agent?.averageResponseSeconds.map(Float.init)
        let agentConversion = agent?.conversionRate.map(Float.init)
        let rating = agent?.rating.map(Float.init)
        f.flag("has_agent", lead.agentId != nil)
        f.number("agent_response_time_s", response ?? .nan)
        f.number("log_agent_response_time", response.map { log1p(max(0, $0)) } ?? .nan)
        f.flag("agent_fast_responder", response.map { $0 < 300 })
        f.flag("agent_slow_responder", response.map { $0 > 1800 })
        f.number("agent_conversion_rate", agentConversion ?? .nan)
        f.number("agent_rating", rating ?? .nan)
        f.flag("agent_top_rated", rating.map { $0 >= 4.5 })
        let agentQuality: Float = agent == nil ? .nan
            : 0.5 * min(1, (agentConversion ?? 0.12) / 0.25) + 0.3 * ((rating ?? 3.5) - 1) / 4 + 0.2 * (1 - min(1, (response ?? 900) / 3600))
        f.number("agent_quality_score", agentQuality)

        // Source and UTM.
        let source = lead.source.map(LeadText.lowercased)
        let medium = lead.utmMedium.map(LeadText.lowercased)
        f.flag("has_utm_source", lead.utmSource != nil)
        f.flag("has_utm_medium", lead.utmMedium != nil)
        f.flag("has_utm_campaign", lead.utmCampaign != nil)
        f.flag("is_paid_traffic", Self.paidSources.contains(source ?? "") || Self.paidMedia.contains(medium ?? ""))
        f.flag("is_organic_traffic", Self.organicSources.contains(source ?? "") || medium == "organic")
        f.flag("is_referral_traffic", Self.referralSources.contains(source ?? ""))
        f.flag("is_social_traffic", source == "social" || Self.socialMedia.contains(medium ?? ""))
        f.flag("is_email_traffic", source == "email" || medium == "email")
        f.flag("source_missing", source == nil)

        // Vertical, product, region, device.
        f.flag("is_pc", vertical == "pc")
        f.flag("is_health", vertical == "health")
        f.flag("is_commercial", vertical == "commercial")
        let product = lead.insuranceType.map(LeadText.lowercased)
        f.flag("is_auto_product", product.map { Self.containsASCII($0, "auto") || $0 == "motorcycle" })
        f.flag("is_property_product", product.map { Self.propertyProducts.contains($0) })
        f.flag("is_medicare_product", product.map { Self.containsASCII($0, "medicare") })
        f.flag("is_family_product", product.map { $0 == "family" })
        f.flag("is_liability_product", product.map { Self.containsASCII($0, "liability") || $0 == "bop" || $0 == "cyber" })
        f.flag("is_workers_comp", product.map { $0 == "workers_comp" })
        for (region, name) in Self.regionFlagNames {
            f.flag(name, state.map { $0.region == region })
        }
        f.number("state_population_m", state.map { Float($0.population) } ?? .nan)
        f.flag("is_large_state", state.map { $0.population >= 10 })
        let browser = lead.browser.map(LeadText.lowercased)
        f.flag("browser_missing", browser == nil)
        f.flag("is_mobile_browser", browser.map { Self.mobileBrowsers.contains($0) || (lead.mobile == true && $0 == "safari") })

        // Interactions.
        f.flag("quote_with_fast_agent", quote == true && (response ?? .infinity) < 300)
        f.number("form_x_agent_conversion", (form == true ? 1 : 0) * (agentConversion ?? .nan))
        f.number("engagement_x_completeness", engagement * completeness)
        f.flag("mobile_without_form", lead.mobile == true && form != true)
        f.flag("commercial_business_hours", vertical == "commercial" && businessHours)
        f.flag("commercial_weekend", vertical == "commercial" && weekend)
        f.flag("pc_evening", vertical == "pc" && evening)
        f.flag("health_open_enrollment", vertical == "health" && openEnrollment)
        f.flag("complete_contact_and_form", completeness >= 0.7 && form == true)
        f.number("pages_x_return_visitor", (pages ?? .nan) * (lead.returnVisitor == true ? 1 : 0))

        // Categorical (native for trees; one-hot for linear models).
        f.category("vertical", vertical)
        f.category("source", source)
        f.category("insurance_type", product)
        f.category("state", state?.code)
        f.category("region", state?.region)
        f.category("browser", browser)
        f.category("utm_source", lead.utmSource.map(LeadText.lowercased))
        f.category("utm_medium", medium)
        f.category("utm_campaign", lead.utmCampaign.map(LeadText.lowercased))
        f.category("email_domain_class", emailClass)
        f.category("hour_band", Self.hourBands[local.hour])
    }

    // Tables built once, not on every lead (the service extracts one lead per request).
    private static let hourBands = ["night", "night", "night", "night", "night", "night", "morning", "morning", "morning", "morning", "morning", "midday",
                                    "midday", "afternoon", "afternoon", "afternoon", "afternoon", "evening", "evening", "evening", "evening", "late", "late", "late"]

    private static let tollFreePrefixes = ["800", "888", "877", "866", "855", "844", "833"]
    private static let paidSources = ["paid_search", "display", "affiliate"], paidMedia = ["cpc", "paid_social", "display"]
    private static let organicSources = ["organic_search", "direct"], referralSources = ["referral", "partner_api", "comparison_site"]
    private static let socialMedia = ["social", "paid_social"], propertyProducts = ["home", "renters", "umbrella", "boat"]
    private static let mobileBrowsers = ["samsung", "ucbrowser"]

    private static let regionFlagNames = [("Northeast", "region_northeast"), ("Midwest", "region_midwest"), ("South", "region_south"), ("West", "region_west")]

    private static let sourceEngagement: [String: Float] = [
        "referral": 0.9, "partner_api": 0.85, "comparison_site": 0.8, "direct": 0.7, "organic_search": 0.65, "email": 0.6,
        "paid_search": 0.5, "event": 0.8, "tv": 0.4, "radio": 0.3, "affiliate": 0.35, "social": 0.3, "display": 0.2,
    ]

    private static let freeProviders: Set<String> = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com",
                                                     "live.com", "msn.com", "protonmail.com", "mail.com", "gmx.com", "ymail.com"]

    /// free | corporate | edu | gov | invalid, or `nil` without an email.
    static func emailClass(email: String?, domain: String?, valid: Bool) -> String? {
        guard let email, !email.isEmpty else { return nil }
        guard valid, let domain else { return "invalid" }
        if freeProviders.contains(domain) { return "free" }
        if domain.hasSuffix(".edu") { return "edu" }
        if domain.hasSuffix(".gov") { return "gov" }
        return "corporate"
    }

    /// How engaged visitors from a source usually are, 0…1 (a prior, not learned).
    static func sourceEngagementLevel(_ source: String?) -> Float {
        guard let source = source.map(LeadText.lowercased) else { return .nan }
        return sourceEngagement[source] ?? 0.4
    }
}

/// Collects feature values (and, once, their names) in order.
struct FeatureSink {
    let recordingNames: Bool
    var numericNames: [String] = []
    var categoricalNames: [String] = []
    var numeric: [Float] = []
    var categorical: [String?] = []

    init(recordingNames: Bool) {
        self.recordingNames = recordingNames
        numeric.reserveCapacity(128)
        categorical.reserveCapacity(16)
    }

    mutating func number(_ name: StaticString, _ value: Float) {
        if recordingNames { numericNames.append(name.description) }
        numeric.append(value)
    }

    /// 1 or 0; `nil` (unknown) is missing.
    mutating func flag(_ name: StaticString, _ value: Bool?) {
        number(name, value.map { $0 ? 1 : 0 } ?? .nan)
    }

    mutating func flag(_ name: String, _ value: Bool?) {
        if recordingNames { numericNames.append(name) }
        numeric.append(value.map { $0 ? 1 : 0 } ?? .nan)
    }

    mutating func category(_ name: StaticString, _ value: String?) {
        if recordingNames { categoricalNames.append(name.description) }
        categorical.append(value.flatMap { $0.isEmpty ? nil : $0 })
    }
}
