import Core
import Evaluation
import Foundation
import Tuning

/// A generator of realistic synthetic insurance leads, standing in for a real CRM.
///
/// ## The generative story
/// Each lead gets a vertical (P&C 55 %, health 30 %, commercial 15 %), a state drawn by
/// population, an arrival time (uniform day in the window, local hour from a daytime-heavy
/// profile; commercial leads avoid weekends) and a traffic source whose mix depends on the
/// vertical. Two hidden traits drive what the CRM sees:
/// - *contact quality* `q` (0…1, better for referrals and partners, worse for affiliates and
///   display ads) decides which contact fields are filled and whether they are valid;
/// - *intent* `z` (standard normal, shifted by source) decides pages visited, time on site,
///   returning visits, form completion and quote requests.
/// Leads are assigned to one of 150 agents (8 % unassigned) who differ in response time,
/// past conversion rate and rating.
///
/// Conversion is Bernoulli with a logit that adds, non-linearly and with interactions:
/// a per-vertical base rate; contact completeness (squared: a complete record matters far more
/// than a half-complete one) and invalid email/phone penalties; form × quote interaction;
/// saturating pages (log) and time on site (tanh) with an idle-session penalty; mobile without
/// a form; time of day by vertical (commercial in business hours, P&C in the evening, health in
/// open enrolment, Nov–Jan); commercial weekends; agent response time (log), conversion rate
/// and rating, and a fast agent × quote-request bonus; source and per-state effects; a few hot
/// campaigns; Gaussian unobserved heterogeneity; and 0.3 % flipped labels. Base rates come out
/// near 7 % (P&C), 11 % (health) and 3 % (commercial). Missing values (pages, time on site,
/// browser, agent facts) and rare categories (sources, browsers, campaigns, small states)
/// occur as in real CRM exports.
///
/// Every lead draws from its own random stream `(seed, lead index)`, so generation is
/// parallel and the result does not depend on the thread count.
public struct SyntheticLeadGenerator: Sendable {
    public let seed: UInt64
    /// The end of the arrival window (seconds since 1970 UTC).
    public let windowEnd: Double
    /// The window's length in days; leads arrive uniformly over it.
    public let windowDays: Int

    /// A change in how leads convert from `at` on, or `nil` (the default): a simulated concept
    /// drift for the retraining loop (``BehaviourShift``).
    public var shift: BehaviourShift?

    /// The number of agents in the synthetic pool (ids 1…agentCount).
    public static let agentCount = 150

    public init(seed: UInt64, windowEnd: Double, windowDays: Int = 365, shift: BehaviourShift? = nil) {
        self.seed = seed
        self.windowEnd = windowEnd
        self.windowDays = max(1, windowDays)
        self.shift = shift
    }

    /// The agent pool (deterministic for the seed).
    public func agents() -> [AgentRecord] {
        var random = SeededGenerator(seed: seed).derived(0xA6E7)
        return (1...Self.agentCount).map { id in
            let skill = random.nextGaussian()
            let response = exp(log(600) - 0.5 * skill + 0.7 * random.nextGaussian())
            let conversion = min(0.45, max(0.01, 0.12 + 0.04 * skill + 0.02 * random.nextGaussian()))
            let rating = min(5, max(1, 3.6 + 0.5 * skill + 0.4 * random.nextGaussian()))
            return AgentRecord(
                id: Int64(id),
                averageResponseSeconds: random.nextDouble() < 0.03 ? nil : (response * 10).rounded() / 10,
                conversionRate: (conversion * 10_000).rounded() / 10_000,
                rating: random.nextDouble() < 0.02 ? nil : (rating * 100).rounded() / 100)
        }
    }

    /// Leads number `indices` of this generator's sequence, with ids `firstID + index`,
    /// generated on `threads` threads. Lead `i` is the same whichever range it is asked in.
    public func leads(_ indices: Range<Int>, firstID: Int64 = 1, agents: [AgentRecord], threads: Int = defaultThreadCount) -> [LeadRecord] {
        let count = indices.count
        let blockSize = 8192
        let blocks = (count + blockSize - 1) / blockSize
        let slots = ResultSlots<[LeadRecord]>(count: blocks)
        let agentsByID = Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0) })
        let stateEffects = self.stateEffects()
        parallelFor(blocks, threads: threads) { block in
            let range = (indices.lowerBound + block * blockSize)..<min(indices.upperBound, indices.lowerBound + (block + 1) * blockSize)
            slots[block] = range.map { index in
                lead(index: index, id: firstID + Int64(index), agentsByID: agentsByID, stateEffects: stateEffects)
            }
        }
        return slots.values.flatMap { $0 }
    }

    /// A fixed random effect per state (log-odds), stable for the seed.
    private func stateEffects() -> [String: Double] {
        var random = SeededGenerator(seed: seed).derived(0x57A7E)
        var effects: [String: Double] = [:]
        for state in USState.all { effects[state.code] = 0.25 * random.nextGaussian() }
        return effects
    }

    // MARK: One lead

    private func lead(index: Int, id: Int64, agentsByID: [Int64: AgentRecord], stateEffects: [String: Double]) -> LeadRecord {
        var r = SeededGenerator(seed: seed).derived(UInt64(index) &+ 0x1EAD_0000)
        let vertical = pick(&r, [(Vertical.pc, 0.55), (.health, 0.30), (.commercial, 0.15)])
        let state = pickState(&r)
        let source = pickSource(&r, vertical)

        // Arrival time: a day in the window, a local hour from a daytime-heavy profile.
        var day = Int(Double(windowDays) * r.nextDouble())
        let windowStartDay = Int((windowEnd / 86_400).rounded(.down)) - windowDays
        var localHour = pick(&r, Self.hourProfile)
        if vertical == .commercial {
            // Commercial leads mostly arrive on weekdays: move most weekend arrivals to Monday.
            let weekday = ((windowStartDay + day) % 7 + 7 + 3) % 7
            if weekday >= 5 && r.nextDouble() < 0.7 { day += 7 - weekday; localHour = 9 + r.nextInt(below: 8) }
        }
        let localSeconds = Double(windowStartDay + day) * 86_400 + Double(localHour) * 3600 + 3600 * r.nextDouble()
        var createdAt = localSeconds - state.standardOffset * 3600
        createdAt -= (state.utcOffset(at: createdAt) - state.standardOffset) * 3600
        createdAt = min(createdAt, windowEnd - 1)
        createdAt = (createdAt * 1000).rounded() / 1000

        var lead = LeadRecord(id: id, vertical: vertical.rawValue, createdAt: createdAt)
        lead.state = r.nextDouble() < 0.02 ? nil : state.code
        lead.source = source

        // Hidden traits.
        let quality = min(1, max(0, 0.62 + Self.sourceQuality(source) + 0.22 * r.nextGaussian()))
        let intent = r.nextGaussian() + Self.sourceIntent(source)

        // Contact fields.
        let first = Self.firstNames[r.nextInt(below: Self.firstNames.count)]
        let last = Self.lastNames[r.nextInt(below: Self.lastNames.count)]
        if r.nextDouble() < 0.55 + 0.43 * quality { lead.firstName = first }
        if r.nextDouble() < 0.45 + 0.5 * quality { lead.lastName = last }
        var emailValid = true
        if r.nextDouble() < 0.5 + 0.48 * quality {
            let corporate = vertical == .commercial ? r.nextDouble() < 0.6 : r.nextDouble() < 0.08
            let domain = corporate ? Self.companyDomains[r.nextInt(below: Self.companyDomains.count)]
                                   : pick(&r, Self.freeEmailDomains)
            let local = r.nextDouble() < 0.5 ? "\(first).\(last)".lowercased() : "\(first.lowercased())\(r.nextInt(below: 1000))"
            emailValid = r.nextDouble() > 0.06 * (1.5 - quality)
            lead.email = emailValid ? "\(local)@\(domain)" : pick(&r, [("\(local)@", 0.4), ("\(local)\(domain)", 0.3), ("\(local)@\(domain.split(separator: ".")[0])", 0.3)])
        }
        var phoneValid = true
        if r.nextDouble() < 0.4 + 0.55 * quality {
            let area = 201 + r.nextInt(below: 780), exchange = 200 + r.nextInt(below: 800), line = r.nextInt(below: 10_000)
            phoneValid = r.nextDouble() > 0.07 * (1.5 - quality)
            let digits = String(format: "%03d%03d%04d", area, exchange, line)
            lead.phone = phoneValid ? pick(&r, [(String(format: "(%03d) %03d-%04d", area, exchange, line), 0.5), (digits, 0.3), ("+1" + digits, 0.2)])
                                    : String(digits.prefix(6 + r.nextInt(below: 3)))
        }
        if r.nextDouble() < 0.3 + 0.65 * quality {
            lead.address = "\(1 + r.nextInt(below: 9899)) \(Self.streets[r.nextInt(below: Self.streets.count)])"
        }
        if r.nextDouble() < 0.45 + 0.5 * quality {
            let matches = r.nextDouble() < 0.95
            let firstDigit = matches ? state.zipFirstDigit : r.nextInt(below: 10)
            lead.zipcode = String(format: "%d%04d", firstDigit, r.nextInt(below: 10_000))
        }

        // Engagement.
        let mobile = r.nextDouble() < (source == "social" ? 0.8 : 0.5)
        lead.mobile = r.nextDouble() < 0.01 ? nil : mobile
        let pages = max(1, min(60, Int(exp(1.0 + 0.45 * intent + 0.35 * r.nextGaussian()).rounded())))
        lead.pagesVisited = r.nextDouble() < 0.03 ? nil : pages
        let idle = r.nextDouble() < 0.04
        let timeOnSite = Double(pages) * exp(log(40) + 0.15 * intent + 0.5 * r.nextGaussian()) * (idle ? 12 : 1)
        lead.timeOnSiteSeconds = r.nextDouble() < 0.05 ? nil : (timeOnSite * 10).rounded() / 10
        lead.returnVisitor = r.nextDouble() < logistic(-1.1 + 0.7 * intent)
        let formCompleted = r.nextDouble() < logistic(-0.4 + 1.1 * intent + 1.2 * quality - (mobile ? 0.4 : 0))
        lead.formCompleted = formCompleted
        let quoteRequested = formCompleted && r.nextDouble() < logistic(-0.6 + 0.8 * intent)
        lead.quoteRequested = quoteRequested
        lead.browser = r.nextDouble() < 0.03 ? nil : pick(&r, mobile ? Self.mobileBrowsers : Self.desktopBrowsers)
        lead.insuranceType = pick(&r, Self.insuranceTypes[vertical]!)
        (lead.utmSource, lead.utmMedium, lead.utmCampaign) = utm(&r, source: source, vertical: vertical)

        // Agent assignment.
        var agent: AgentRecord?
        if r.nextDouble() >= 0.08 {
            let agentID = Int64(1 + r.nextInt(below: Self.agentCount))
            lead.agentId = agentID
            agent = agentsByID[agentID]
        }

        // Conversion.
        let local = Timestamp.civil(createdAt, offsetHours: state.utcOffset(at: createdAt))
        let completeness = Self.completeness(lead)
        var logit = Self.baseLogit[vertical]!
        logit += 2.2 * completeness * completeness
        logit -= emailValid ? 0 : 0.8
        logit -= phoneValid ? 0 : 0.6
        logit += (formCompleted ? 0.9 : 0) + (quoteRequested ? 0.7 : 0) + (formCompleted && quoteRequested ? 0.5 : 0)
        logit += 0.45 * log(Double(pages)) + 0.45 * tanh((timeOnSite - 120) / 200) - (idle ? 0.5 : 0)
        logit += (lead.returnVisitor ?? false) ? 0.35 : 0
        logit -= mobile && !formCompleted ? 0.35 : 0
        let businessHours = local.weekday < 5 && (9..<17).contains(local.hour)
        switch vertical {
        case .commercial: logit += businessHours ? 0.45 : -0.45
            if local.weekday >= 5 { logit -= 0.5 }
        case .pc: logit += (17..<22).contains(local.hour) ? 0.3 : 0
        case .health: logit += [11, 12, 1].contains(local.month) ? 0.45 : -0.1
        }
        if local.hour < 6 { logit -= 0.4 }
        if let agent {
            let response = agent.averageResponseSeconds ?? 900
            logit -= 0.45 * max(-2, min(2, log(response / 600)))
            logit += 5 * ((agent.conversionRate ?? 0.12) - 0.12) + 0.15 * ((agent.rating ?? 3.5) - 3.5)
            if quoteRequested && response < 300 { logit += 0.5 }
        } else {
            logit -= 0.6
        }
        logit += Self.sourceEffect[source] ?? -0.2
        logit += stateEffects[state.code] ?? 0
        if let campaign = lead.utmCampaign, Self.hotCampaigns.contains(campaign) { logit += 0.5 }
        if let shift, createdAt >= shift.at { logit += shift.strength * BehaviourShift.logitChange(source: source, formCompleted: formCompleted, mobile: mobile) }
        logit += 0.3 * r.nextGaussian()
        var converted = r.nextDouble() < logistic(logit)
        if r.nextDouble() < 0.003 { converted.toggle() }

        lead.converted = converted
        lead.accepted = converted || r.nextDouble() < logistic(logit + 1.6)
        if converted { Self.convert(&lead, vertical: vertical, random: &r) }
        return lead
    }

    /// Marks `lead` converted, with a conversion time (log-normal delay, median 3 days, at
    /// most 60; `delayScale` < 1 makes it faster) and a revenue (log-normal around the
    /// vertical's median), drawn from `random`.
    public static func convert(_ lead: inout LeadRecord, vertical: Vertical, random r: inout SeededGenerator, delayScale: Double = 1) {
        let delay = delayScale * min(60 * 86_400, exp(log(3 * 86_400) + 0.8 * r.nextGaussian()))
        lead.converted = true
        lead.convertedAt = ((lead.createdAt + delay) * 1000).rounded() / 1000
        lead.revenue = (exp(log(medianRevenue[vertical]!) + 0.5 * r.nextGaussian()) * 100).rounded() / 100
    }

    /// Share of the contact fields present and valid-looking, 0…1 (the generator's own view;
    /// the feature extractor computes its own version from the record).
    static func completeness(_ lead: LeadRecord) -> Double {
        var score = 0.0
        if lead.email?.contains("@") == true && lead.email?.contains(".") == true { score += 0.3 }
        if let phone = lead.phone, phone.filter(\.isNumber).count >= 10 { score += 0.25 }
        if lead.firstName != nil && lead.lastName != nil { score += 0.15 }
        if lead.address != nil { score += 0.15 }
        if lead.zipcode != nil { score += 0.1 }
        if lead.state != nil { score += 0.05 }
        return score
    }

    private func utm(_ r: inout SeededGenerator, source: String, vertical: Vertical) -> (String?, String?, String?) {
        let campaign = { (r: inout SeededGenerator) -> String? in
            // Zipf-like: a few big campaigns, a long tail of rare ones.
            let rank = Int(exp(r.nextDouble() * log(60.0)))
            return "\(vertical.rawValue)_\(["spring", "summer", "fall", "winter"][rank % 4])_\(rank)"
        }
        switch source {
        case "paid_search": return (pick(&r, [("google", 0.8), ("bing", 0.2)]), "cpc", campaign(&r))
        case "social": return (pick(&r, [("facebook", 0.6), ("instagram", 0.3), ("tiktok", 0.1)]), pick(&r, [("paid_social", 0.7), ("social", 0.3)]), campaign(&r))
        case "email": return ("newsletter", "email", campaign(&r))
        case "display": return (pick(&r, [("google", 0.5), ("programmatic", 0.5)]), "display", campaign(&r))
        case "affiliate": return (pick(&r, [("leadco", 0.5), ("quotewizard", 0.3), ("smallpartner", 0.2)]), "affiliate", r.nextDouble() < 0.5 ? campaign(&r) : nil)
        case "comparison_site": return (pick(&r, [("compareit", 0.7), ("insurify", 0.3)]), "referral", nil)
        default: return r.nextDouble() < 0.1 ? ("google", "organic", nil) : (nil, nil, nil)
        }
    }

    private func pickState(_ r: inout SeededGenerator) -> USState {
        var u = r.nextDouble() * Self.totalPopulation
        for state in USState.all {
            u -= state.population
            if u < 0 { return state }
        }
        return USState.all.last!
    }

    private func pickSource(_ r: inout SeededGenerator, _ vertical: Vertical) -> String {
        if r.nextDouble() < 0.004 { return pick(&r, [("tv", 0.5), ("radio", 0.3), ("event", 0.2)]) }
        switch vertical {
        case .pc: return pick(&r, [("paid_search", 0.28), ("organic_search", 0.2), ("comparison_site", 0.14), ("social", 0.1), ("affiliate", 0.1), ("direct", 0.07), ("referral", 0.05), ("email", 0.04), ("display", 0.02)])
        case .health: return pick(&r, [("paid_search", 0.25), ("organic_search", 0.2), ("affiliate", 0.15), ("social", 0.12), ("direct", 0.08), ("email", 0.08), ("referral", 0.06), ("display", 0.06)])
        case .commercial: return pick(&r, [("organic_search", 0.25), ("paid_search", 0.2), ("partner_api", 0.18), ("referral", 0.15), ("direct", 0.1), ("email", 0.07), ("display", 0.05)])
        }
    }

    private static let totalPopulation = USState.all.reduce(0) { $0 + $1.population }
    private static let hourProfile: [(Int, Double)] = (0..<24).map { h in
        (h, [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 4, 4, 3.8, 3.8, 3.8, 3.6, 3.3, 3.2, 3.6, 3.8, 3.2, 2.4, 1.4, 0.7][h])
    }
    private static let baseLogit: [Vertical: Double] = [.pc: -6.45, .health: -5.65, .commercial: -7.9]
    private static let medianRevenue: [Vertical: Double] = [.pc: 1200, .health: 2400, .commercial: 6500]
    private static func sourceQuality(_ source: String) -> Double {
        ["referral": 0.15, "partner_api": 0.12, "organic_search": 0.05, "direct": 0.05, "email": 0.05, "comparison_site": 0.0,
         "paid_search": 0.0, "social": -0.1, "affiliate": -0.15, "display": -0.2][source] ?? -0.05
    }
    private static func sourceIntent(_ source: String) -> Double {
        ["referral": 0.5, "partner_api": 0.4, "comparison_site": 0.4, "organic_search": 0.2, "direct": 0.3, "email": 0.1,
         "paid_search": 0.1, "social": -0.3, "affiliate": -0.2, "display": -0.5][source] ?? 0
    }
    private static let sourceEffect: [String: Double] = [
        "referral": 0.6, "partner_api": 0.3, "organic_search": 0.2, "paid_search": 0, "email": 0.1, "social": -0.4,
        "display": -0.6, "affiliate": -0.3, "comparison_site": 0.1, "direct": 0.15, "tv": 0.4, "radio": -0.5, "event": 0.8,
    ]
    private static let hotCampaigns: Set<String> = ["pc_summer_1", "health_winter_3", "commercial_fall_2", "pc_winter_7"]
    private static let insuranceTypes: [Vertical: [(String, Double)]] = [
        .pc: [("auto", 0.55), ("home", 0.25), ("renters", 0.1), ("umbrella", 0.04), ("motorcycle", 0.04), ("boat", 0.02)],
        .health: [("individual", 0.4), ("family", 0.3), ("medicare_supplement", 0.18), ("dental", 0.08), ("short_term", 0.04)],
        .commercial: [("general_liability", 0.35), ("workers_comp", 0.22), ("commercial_auto", 0.18), ("bop", 0.15), ("professional_liability", 0.07), ("cyber", 0.03)],
    ]
    private static let freeEmailDomains: [(String, Double)] = [
        ("gmail.com", 0.5), ("yahoo.com", 0.15), ("hotmail.com", 0.1), ("outlook.com", 0.1), ("aol.com", 0.06), ("icloud.com", 0.09),
    ]
    private static let companyDomains = ["acmebuilders.com", "northwindlogistics.com", "bluepeakdental.com", "riversidecafe.com",
                                         "summitlaw.com", "brightstarhvac.com", "oakridgefarms.com", "metroplumbing.com", "statecollege.edu", "county.gov"]
    private static let mobileBrowsers: [(String, Double)] = [("safari", 0.5), ("chrome", 0.38), ("samsung", 0.1), ("ucbrowser", 0.02)]
    private static let desktopBrowsers: [(String, Double)] = [("chrome", 0.62), ("edge", 0.15), ("safari", 0.12), ("firefox", 0.09), ("opera", 0.02)]
    static let firstNames = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
                             "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Maria",
                             "Wei", "Priya", "Ahmed", "Fatima", "Olga", "José", "Nguyen", "Aisha", "Liam", "Emma"]
    static let lastNames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
                            "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
                            "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Lewis", "Robinson", "O'Brien"]
    static let streets = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd", "Lake Rd",
                          "Hill St", "Park Ave", "Sunset Blvd", "River Rd", "Church St", "Highland Ave", "Mill Rd"]
}

/// A weighted choice; the weights need not sum to one.
func pick<T>(_ r: inout SeededGenerator, _ choices: [(T, Double)]) -> T {
    let total = choices.reduce(0) { $0 + $1.1 }
    var u = r.nextDouble() * total
    for (value, weight) in choices {
        u -= weight
        if u < 0 { return value }
    }
    return choices.last!.0
}


/// A simulated concept drift: leads created at or after `at` convert by a changed rule — the
/// traffic sources' effects partly reverse (social, affiliate and display leads convert
/// better, search and referral ones worse), a completed form counts for less and mobile leads
/// convert less — so a model trained before `at` ranks the leads after it worse, and one
/// retrained on them ranks them better (the retraining loop's demonstration, `db seed
/// --shift-days-ago`). It draws no random numbers, so leads before `at` and every lead's
/// inputs are the same with or without it; only conversions after `at` change.
public struct BehaviourShift: Sendable, Equatable {
    /// Seconds since 1970 UTC from which leads convert by the changed rule.
    public var at: Double
    /// Scales every change of the logit (1: the documented changes).
    public var strength: Double

    public init(at: Double, strength: Double = 1) {
        self.at = at
        self.strength = strength
    }

    /// What the shift adds to a lead's conversion logit at strength 1.
    static func logitChange(source: String, formCompleted: Bool, mobile: Bool) -> Double {
        let changes: [String: Double] = ["social": 0.9, "affiliate": 0.8, "display": 0.9, "paid_search": -0.6, "organic_search": -0.6, "referral": -0.9]
        // Roughly mean-neutral, so that the conversion rate stays about what it was.
        return (changes[source] ?? 0) + (formCompleted ? -0.45 : 0.45) + (mobile ? -0.4 : 0.4)
    }
}
