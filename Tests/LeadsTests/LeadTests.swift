import Core
import Foundation
import Testing
import TestSupport
@testable import Leads
import Training

@Suite struct TimestampTests {
    @Test func civilRoundTripsAndKnownDates() {
        let t = Timestamp.seconds(year: 2026, month: 11, day: 25, hour: 15, minute: 40, second: 44.5)
        #expect(t == 1_795_621_244.5)
        let c = Timestamp.civil(t)
        #expect(c.year == 2026 && c.month == 11 && c.day == 25 && c.hour == 15 && c.minute == 40 && c.second == 44.5)
        #expect(c.weekday == 2)  // a Wednesday
        #expect(Timestamp.civil(0).weekday == 3)  // 1970-01-01, a Thursday
        #expect(Timestamp.civil(Timestamp.seconds(year: 2024, month: 12, day: 31)).dayOfYear == 366)
        #expect(Timestamp.civil(-1).year == 1969)
    }

    @Test func parsesPostgresAndISOForms() {
        let expected = Timestamp.seconds(year: 2026, month: 11, day: 25, hour: 15, minute: 40, second: 44.123)
        for text in ["2026-11-25 15:40:44.123+00", "2026-11-25T15:40:44.123Z", "2026-11-25T17:40:44.123+02:00",
                     "2026-11-25T10:40:44.123-05", "2026-11-25 15:40:44.123", "1795621244.123"] {
            #expect(abs(Timestamp.parse(text)! - expected) < 1e-6, "\(text)")
        }
        #expect(Timestamp.parse("2026-11-25") == Timestamp.seconds(year: 2026, month: 11, day: 25))
        for bad in ["", "2026-13-01", "2026-11-25X", "yesterday", "2026-11-25 25:00:00", "2026-11-25T10:00:00+"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        #expect(Timestamp.format(expected) == "2026-11-25 15:40:44.123000+00")
        #expect(Timestamp.parse(Timestamp.format(expected))! == expected)
    }

    @Test func daylightSavingFollowsUSRules() {
        let ny = USState.named("NY")!
        #expect(ny.utcOffset(at: Timestamp.seconds(year: 2026, month: 1, day: 15)) == -5)
        #expect(ny.utcOffset(at: Timestamp.seconds(year: 2026, month: 7, day: 15)) == -4)
        // 2026: DST starts Sunday March 8 at 02:00 EST (07:00 UTC), ends Sunday November 1 at 02:00 EDT (06:00 UTC).
        #expect(ny.utcOffset(at: Timestamp.seconds(year: 2026, month: 3, day: 8, hour: 6, minute: 59)) == -5)
        #expect(ny.utcOffset(at: Timestamp.seconds(year: 2026, month: 3, day: 8, hour: 7)) == -4)
        #expect(ny.utcOffset(at: Timestamp.seconds(year: 2026, month: 11, day: 1, hour: 5, minute: 59)) == -4)
        #expect(ny.utcOffset(at: Timestamp.seconds(year: 2026, month: 11, day: 1, hour: 6)) == -5)
        #expect(USState.named("AZ")!.utcOffset(at: Timestamp.seconds(year: 2026, month: 7, day: 1)) == -7)
        #expect(USState.all.count == 51)
    }
}

@Suite struct SyntheticLeadTests {
    let generator = SyntheticLeadGenerator(seed: 11, windowEnd: Timestamp.seconds(year: 2026, month: 6, day: 1), windowDays: 180)

    @Test func sameSeedSameLeadsWhateverTheThreadsOrRange() {
        let agents = generator.agents()
        let a = generator.leads(0..<20_000, agents: agents, threads: 1)
        let b = generator.leads(0..<20_000, agents: agents, threads: 4)
        #expect(a == b)
        // Lead i is the same when asked for in another range (blocks of db seed).
        let tail = generator.leads(15_000..<20_000, firstID: 1, agents: agents, threads: 2)
        #expect(Array(a[15_000...]) == tail)
        let other = SyntheticLeadGenerator(seed: 12, windowEnd: generator.windowEnd, windowDays: 180)
        #expect(other.leads(0..<100, agents: agents) != Array(a[0..<100]))
    }

    @Test func leadsAreRealistic() {
        let agents = generator.agents()
        let leads = generator.leads(0..<60_000, agents: agents)
        #expect(agents.count == SyntheticLeadGenerator.agentCount)
        for vertical in Vertical.allCases {
            let group = leads.filter { $0.vertical == vertical.rawValue }
            let rate = Double(group.filter { $0.converted == true }.count) / Double(group.count)
            #expect(rate > 0.02 && rate < 0.15, "\(vertical) conversion rate \(rate)")
        }
        let start = generator.windowEnd - 180 * 86_400
        #expect(leads.allSatisfy { $0.createdAt >= start - 86_400 && $0.createdAt < generator.windowEnd })
        #expect(leads.contains { $0.pagesVisited == nil } && leads.contains { $0.agentId == nil } && leads.contains { $0.email == nil })
        #expect(Set(leads.compactMap(\.source)).count >= 10)
        #expect(leads.filter { $0.converted == true }.allSatisfy { $0.convertedAt! > $0.createdAt && $0.revenue! > 0 && $0.accepted == true })
        #expect(leads.filter { $0.converted != true }.allSatisfy { $0.convertedAt == nil && $0.revenue == nil })
    }

    /// Pins the bundled dataset: a change to the generator or the feature extractor shows up
    /// here and must be deliberate (update the numbers and datasets/README.md).
    @Test func bundledDatasetIsPinned() {
        let (leads, agents) = BundledLeads.load()
        #expect(leads.count == 50_000)
        #expect(leads.filter { $0.converted == true }.count == 3893)
        let dataset = LeadDataset.make(leads: leads, agents: agents)
        #expect(dataset.columns.count == 118)
        #expect(dataset.positiveCount == 3893)
        #expect(fingerprint(dataset) == 13_887_301_995_281_915_037, "fingerprint \(fingerprint(dataset))")
    }
}

/// FNV-1a over every feature value's bits and every category's text.
func fingerprint(_ dataset: Dataset) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ value: UInt64) { hash = (hash ^ value) &* 0x0000_0100_0000_01B3 }
    for column in dataset.columns {
        switch column {
        case .numeric(let c): for v in c.values { mix(UInt64(v.isNaN ? Float.nan.bitPattern : v.bitPattern)) }
        case .categorical(let c):
            for code in c.codes { mix(UInt64(bitPattern: Int64(code))) }
            for text in c.categories { for byte in text.utf8 { mix(UInt64(byte)) } }
        }
    }
    for label in dataset.labels { mix(UInt64(label)) }
    return hash
}

@Suite struct FeatureExtractorTests {
    @Test func schemaHasMoreThanAHundredUniquelyNamedFeatures() {
        let schema = FeatureExtractor.schema
        #expect(schema.allNames.count >= 100)
        #expect(Set(schema.allNames).count == schema.allNames.count)
        #expect(schema.categoricalNames.contains("source") && schema.categoricalNames.contains("utm_campaign"))
        let features = FeatureExtractor().extract(LeadRecord(id: 1, vertical: "pc", createdAt: 0), agent: nil)
        #expect(features.numeric.count == schema.numericNames.count)
        #expect(features.categorical.count == schema.categoricalNames.count)
    }

    @Test func handComputedLead() {
        // Wednesday 2026-07-15 14:30 in New York (EDT, UTC-4) = 18:30 UTC.
        var lead = LeadRecord(id: 7, vertical: "commercial", createdAt: Timestamp.seconds(year: 2026, month: 7, day: 15, hour: 18, minute: 30))
        lead.email = "Ann.Lee@AcmeBuilders.com"
        lead.phone = "(212) 555-0123"
        lead.firstName = "Ann"; lead.lastName = "Lee"
        lead.address = "12 Main St"; lead.zipcode = "10001"; lead.state = "NY"
        lead.formCompleted = true; lead.quoteRequested = true
        lead.pagesVisited = 8; lead.timeOnSiteSeconds = 400
        lead.source = "referral"; lead.agentId = 3
        let agent = AgentRecord(id: 3, averageResponseSeconds: 120, conversionRate: 0.2, rating: 4.8)
        let f = FeatureExtractor().extract(lead, agent: agent)
        func value(_ name: String) -> Float { f.numeric[FeatureExtractor.schema.numericNames.firstIndex(of: name)!] }
        func category(_ name: String) -> String? { f.categorical[FeatureExtractor.schema.categoricalNames.firstIndex(of: name)!] }
        #expect(value("email_valid") == 1 && value("email_corporate") == 1 && value("email_free_provider") == 0)
        #expect(value("phone_valid") == 1 && value("phone_digit_count") == 10)
        #expect(value("zipcode_matches_state") == 1)
        #expect(value("contact_completeness") == 1 && value("contact_complete") == 1)
        #expect(value("hour_local") == 14 && value("day_of_week") == 2 && value("is_business_hours") == 1)
        #expect(value("utc_offset_hours") == -4)
        #expect(value("time_per_page_s") == 50)
        #expect(value("quote_with_fast_agent") == 1 && value("commercial_business_hours") == 1)
        #expect(value("agent_fast_responder") == 1 && value("agent_conversion_rate") == 0.2)
        #expect(value("return_visitor").isNaN && value("mobile").isNaN)  // unknown stays missing
        #expect(category("email_domain_class") == "corporate" && category("region") == "Northeast")
        #expect(category("browser") == nil && category("vertical") == "commercial")
    }

    @Test func unknownStateAndBadValuesDoNotCrash() {
        var lead = LeadRecord(id: 1, vertical: "unknown-vertical", createdAt: -1e9)
        lead.state = "ZZ"; lead.email = "@"; lead.phone = "x"; lead.zipcode = "abc"; lead.pagesVisited = 0; lead.timeOnSiteSeconds = -5
        let f = FeatureExtractor().extract(lead, agent: nil)
        #expect(f.numeric.count == FeatureExtractor.schema.numericNames.count)
    }

    @Test func featureTableRoundTripsThroughCSV() throws {
        let generator = SyntheticLeadGenerator(seed: 3, windowEnd: Timestamp.seconds(year: 2026, month: 1, day: 1))
        let agents = generator.agents()
        let dataset = LeadDataset.make(leads: generator.leads(0..<3000, agents: agents), agents: agents)
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("features.csv")
        try CSVWriter.write(dataset, labelName: "converted", to: url)
        let kinds = Dictionary(uniqueKeysWithValues: dataset.columns.map { ($0.name, $0.isCategorical ? ColumnKind.categorical : .numeric) })
        let back = try CSVReader.read(contentsOf: url, options: CSVReadOptions(target: "converted", columnKinds: kinds))
        #expect(back.labels == dataset.labels)
        #expect(back.featureNames == dataset.featureNames)
        for (a, b) in zip(dataset.columns, back.columns) {
            switch (a, b) {
            case (.numeric(let x), .numeric(let y)):
                #expect(x.values.map(\.bitPattern) == y.values.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern }, "\(x.name)")
            case (.categorical(let x), .categorical(let y)):
                #expect(x == y, "\(x.name)")
            default:
                Issue.record("kind changed for \(a.name)")
            }
        }
    }
}

@Suite struct ASCIISearchTests {
    @Test func byteSearchFindsExactlyTheASCIINeedle() {
        #expect(FeatureExtractor.containsASCII("(415) 555-0134", "("))
        #expect(FeatureExtractor.containsASCII("4155550134", "-") == false)
        #expect(FeatureExtractor.containsASCII("commercial_auto", "auto"))
        #expect(FeatureExtractor.containsASCII("autx", "auto") == false)
        #expect(FeatureExtractor.containsASCII("aut", "auto") == false)
        #expect(FeatureExtractor.containsASCII("", ".") == false)
        #expect(FeatureExtractor.containsASCII("münchen.de", "."))
        #expect(FeatureExtractor.containsASCII("日本語-テスト", "-"))
        #expect(FeatureExtractor.containsASCII("medicare_supplement", "medicare"))
        #expect(FeatureExtractor.containsASCII("general_liability", "liability"))
        #expect(FeatureExtractor.containsASCII("Liability", "liability") == false)
    }
}

/// ``LeadText`` reads bytes for ASCII text; on every text it must give what the `String` and
/// `Character` operations it stands for give: ASCII with and without capitals, CR LF (one
/// character of two bytes), digits of other scripts, a digit with a combining accent, spaces
/// that are not ASCII, the empty text.
@Suite struct LeadTextTests {
    static let texts = ["", "a", "A", "pc", "Paid_Search", "maria.garcia@gmail.com", "Ann.Lee@AcmeBuilders.com", "(512) 448-3071",
                        "+1 800 555 0100", "78704", "7870", "78704-1234", "7870a", "\r\n12345", "12\r\n345", "12345\r\n",
                        "١٢٣٤٥", "１２３４５", "1２3", "Ⅻ", "5\u{301}2345", "\u{301}", "e\u{301}cole 5", "ÉCOLE", "straße",
                        "\u{A0}x\u{A0}", " x ", "\tx", "x\t", "İstanbul", "ǅ", "ß", "日本語-テスト 12", "0", "٣ Main St", "12 Main St"]

    @Test func fastPathsEqualTheStringOperations() {
        for text in Self.texts {
            #expect(LeadText.lowercased(text) == text.lowercased(), "\(text.debugDescription)")
            #expect(LeadText.containsNumber(text) == text.contains { $0.isNumber }, "\(text.debugDescription)")
            #expect(LeadText.asciiDigits(text) == text.filter(\.isASCII).filter(\.isNumber), "\(text.debugDescription)")
            #expect(LeadText.startsWithNumber(text) == (text.first?.isNumber ?? false), "\(text.debugDescription)")
            let prefix = text.prefix(5)
            #expect(LeadText.isNumbers(prefix, count: 5) == (prefix.count == 5 && prefix.allSatisfy(\.isNumber)), "\(text.debugDescription)")
        }
    }

    @Test func trimmingSpacesEqualsFoundationsWhitespaceTrim() {
        for text in Self.texts {
            #expect(FeatureExtractor.trimmingSpaces(text) == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
        }
    }
}
