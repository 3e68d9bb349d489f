import Core
import Foundation
import Evaluation
import Leads
import Training

/// A scored lead.
public struct LeadScore: Sendable {
    public var leadID: Int64
    public var vertical: String
    /// Calibrated probability of conversion, 0…1.
    public var score: Double
    public var qualityLevel: String
    /// 0…1; see ``LeadScorer/confidence(probability:levels:memberSpread:)``.
    public var confidence: Double
    public var model: ServedModel
    /// The largest contributions by absolute value, largest first.
    public var factors: [ScoreFactor]
    /// The encoded row (``ModelInputEncoder/encode(rows:value:)``), for drift monitoring.
    public var row: [Float]
}

/// Scores leads with the catalog's lead models: features from the one ``FeatureExtractor``,
/// the vertical's model (global fallback), calibration, quality level, confidence and top
/// factors.
public enum LeadScorer {
    /// Why a lead could not be scored (no lead model loaded).
    public struct Unavailable: Error, Sendable { public var message: String }

    public static func score(lead: LeadRecord, agent: AgentRecord?, catalog: ModelCatalog, useVerticalModel: Bool,
                             factors: Int) throws -> LeadScore {
        guard let model = catalog.leadModel(vertical: lead.vertical, useVerticalModel: useVerticalModel), let mapping = model.leadMapping else {
            throw Unavailable(message: "no lead-scoring model is loaded")
        }
        let features = FeatureExtractor().extract(lead, agent: agent)
        let row = model.encoder.encode(rows: 1) { _, k in mapping.value(features, k) }
        let prepared = model.prepared
        // Every model kind scores the encoded row itself; a one-row Dataset only for an
        // ensemble whose members cannot read their values from its row.
        let columns = prepared.scoresSingleRows ? nil : model.encoder.dataset(encoded: row, rows: 1)
        var raw = 0.0, spread = 0.0
        if let columns {
            raw = try prepared.rawScores(columns)[0]
            if let members = try prepared.memberRawScores(columns) {
                spread = weightedStandardDeviation(members.scores.map { $0[0] }, weights: members.weights)
            }
        } else {
            let weights = prepared.memberWeights
            var memberScores = [Double](repeating: 0, count: weights.count)
            raw = try row.withUnsafeBufferPointer { r in
                try memberScores.withUnsafeMutableBufferPointer { try prepared.rawScore(row: r.baseAddress!, memberScores: $0.baseAddress) }
            }
            if !weights.isEmpty { spread = weightedStandardDeviation(memberScores, weights: weights) }
        }
        let probability = model.manifest.probabilities(rawScores: [raw])[0]
        var top: [ScoreFactor] = []
        if factors > 0 {
            var phi: [Double]
            if let columns {
                phi = try prepared.contributions(columns)[0]
            } else {
                phi = [Double](repeating: 0, count: prepared.contributionWidth)
                try row.withUnsafeBufferPointer { r in try phi.withUnsafeMutableBufferPointer { try prepared.addContributions(row: r.baseAddress!, to: $0.baseAddress!) } }
                phi.removeLast(phi.count - prepared.featureCount)
            }
            let calibrated = model.manifest.calibratedContributions([phi], bias: prepared.expectedRawScore).contributions[0]
            let order = calibrated.indices.filter { calibrated[$0] != 0 }.sorted { abs(calibrated[$0]) > abs(calibrated[$1]) }.prefix(factors)
            top = order.map { k in ScoreFactor(feature: model.encoder.features[k].name, value: mapping.value(features, k), contribution: calibrated[k]) }
        }
        return leadScore(lead, model: model, probability: probability, memberSpread: spread, factors: top, row: row)
    }

    /// A lead's score from its model's calibrated probability: quality level and confidence
    /// (one place for the single-lead and the many-leads paths).
    private static func leadScore(_ lead: LeadRecord, model: ServedModel, probability: Double, memberSpread: Double,
                                  factors: [ScoreFactor], row: [Float]) -> LeadScore {
        LeadScore(leadID: lead.id, vertical: lead.vertical, score: probability, qualityLevel: model.qualityLevels.level(probability),
                  confidence: confidence(probability: probability, levels: model.qualityLevels, memberSpread: memberSpread),
                  model: model, factors: factors, row: row)
    }

    /// Scores many leads without explanations, each model's leads together: features,
    /// encoding and scores in blocks of 256 leads on `threads` threads, on ``PreparedModel``'s
    /// row path (tree models, alone or in an ensemble, walk eight rows at a time). Each score is bit-for-bit the one
    /// ``score(lead:agent:catalog:useVerticalModel:factors:)`` gives with `factors: 0` (a test
    /// checks it). Results are in the order of `leads`.
    public static func scoreMany(_ leads: [(lead: LeadRecord, agent: AgentRecord?)], catalog: ModelCatalog, useVerticalModel: Bool,
                                 threads: Int) throws -> [LeadScore] {
        var groups: [String: (model: ServedModel, indices: [Int])] = [:]
        for (i, entry) in leads.enumerated() {
            guard let model = catalog.leadModel(vertical: entry.lead.vertical, useVerticalModel: useVerticalModel), model.leadMapping != nil else {
                throw Unavailable(message: "no lead-scoring model is loaded")
            }
            groups[model.name, default: (model, [])].indices.append(i)
        }
        var results = [LeadScore?](repeating: nil, count: leads.count)
        for (_, group) in groups.sorted(by: { $0.key < $1.key }) {
            let model = group.model, mapping = model.leadMapping!, indices = group.indices, n = indices.count
            let width = model.encoder.features.count
            let prepared = model.prepared
            // Features, encoding, raw scores and the members' spread, block by block on every
            // thread; a table only for an ensemble whose members cannot read its rows. The
            // encoded blocks are kept in order.
            let chunk = 256, blocks = (n + chunk - 1) / chunk
            let encodedBlocks = ResultSlots<[Float]>(count: blocks)
            let failures = ResultSlots<Error>(count: blocks)
            let weights = prepared.memberWeights
            var raw = [Double](repeating: 0, count: n), spread = [Double](repeating: 0, count: n)
            raw.withUnsafeMutableBufferPointer { rawOut in
                spread.withUnsafeMutableBufferPointer { spreadOut in
                    let (rawOut, spreadOut) = (UncheckedSendable(rawOut), UncheckedSendable(spreadOut))
                    parallelFor(blocks, threads: threads) { block in
                        let range = (block * chunk)..<min(n, (block + 1) * chunk)
                        let extractor = FeatureExtractor()
                        let features = range.map { r in extractor.extract(leads[indices[r]].lead, agent: leads[indices[r]].agent) }
                        let encoded = model.encoder.encode(rows: range.count) { r, k in mapping.value(features[r], k) }
                        if prepared.scoresSingleRows {
                            var members = [Double](repeating: 0, count: range.count * weights.count)
                            do {
                                try encoded.withUnsafeBufferPointer { e in
                                    try members.withUnsafeMutableBufferPointer { m in
                                        try prepared.rawScores(rows: e.baseAddress!, count: range.count, into: rawOut.value.baseAddress! + range.lowerBound,
                                                               memberScores: weights.isEmpty ? nil : m.baseAddress)
                                    }
                                }
                                if !weights.isEmpty {
                                    for (k, r) in range.enumerated() {
                                        spreadOut.value[r] = weightedStandardDeviation(Array(members[(k * weights.count)..<((k + 1) * weights.count)]), weights: weights)
                                    }
                                }
                            } catch {
                                failures[block] = error
                            }
                        }
                        encodedBlocks[block] = encoded
                    }
                }
            }
            if let failure = (0..<blocks).lazy.compactMap({ failures[$0] }).first { throw failure }
            let rows = encodedBlocks.values.flatMap { $0 }
            if !prepared.scoresSingleRows {
                let columns = model.encoder.dataset(encoded: rows, rows: n)
                if let members = try prepared.memberRawScores(columns, threads: threads) {
                    raw = EnsembleModel.combine(members.scores, weights: members.weights)
                    for i in 0..<n { spread[i] = weightedStandardDeviation(members.scores.map { $0[i] }, weights: members.weights) }
                } else {
                    raw = try prepared.rawScores(columns, threads: threads)
                }
            }
            let probabilities = model.manifest.probabilities(rawScores: raw)
            for (r, i) in indices.enumerated() {
                results[i] = leadScore(leads[i].lead, model: model, probability: probabilities[r], memberSpread: spread[r],
                                       factors: [], row: Array(rows[(r * width)..<((r + 1) * width)]))
            }
        }
        return results.map { $0! }
    }

    /// How settled a score is, 0…1: `tanh(d) · exp(−s)`, where `d` is the distance in log-odds
    /// from the probability to the nearest quality-level cut-off (a score far from every
    /// boundary keeps its level under small changes) and `s` the weighted standard deviation of
    /// an ensemble's members' log-odds (0 for a single model: members that disagree lower it).
    /// A score on a boundary has confidence 0; one 1.5 log-odds away from every boundary, with
    /// members in agreement, about 0.9.
    public static func confidence(probability: Double, levels: QualityLevels, memberSpread: Double) -> Double {
        let p = min(max(probability, 1e-12), 1 - 1e-12)
        let logOdds = logit(p)
        let distance = levels.cutoffs.map { c -> Double in
            let cut = min(max(c, 1e-12), 1 - 1e-12)
            return abs(logOdds - logit(cut))
        }.min() ?? 10
        return tanh(distance) * exp(-memberSpread)
    }

    static func weightedStandardDeviation(_ values: [Double], weights: [Double]) -> Double {
        let total = weights.reduce(0, +)
        guard total > 0, values.count > 1 else { return 0 }
        let mean = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
        let variance = zip(values, weights).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / total
        return variance.squareRoot()
    }
}
