import Core
import Foundation
import Testing
import TestSupport
@testable import Training

/// Damaged and hand-edited model files: each of ``SmallBundles``' bundles has its
/// `model.json` (and now and then its `manifest.json`) mutated ``mutationsPerBundle`` times by
/// a seeded generator — numbers made huge, negative, NaN (as the string the decoder reads),
/// indices out of range, children pointing back up the tree, keys deleted, arrays cut short,
/// values swapped, the file truncated — with the checksum recomputed so that the mutation
/// reaches the decoder. Each must either be refused by ``ModelBundle/read(from:)`` or load
/// into a model that scores and explains rows, on the table path and on the row path, with
/// finite results (or throws while scoring). A crash fails the run; a hang never finishes it.
///
/// 6 bundles × 350 mutations = 2,100 loads, about 13 s in a debug build on two cores (most of
/// it SHA-256, computed twice per load in a debug build).
@Suite struct ModelFileFuzzTests {
    static let mutationsPerBundle = 350

    @Test(arguments: SmallBundles.names)
    func mutatedModelFilesAreRefusedOrScoreFinitely(_ name: String) throws {
        let directory = TestPaths.temporaryDirectory("mlctl-model-fuzz")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = try SmallBundles.all[name]!.bundle(in: directory)
        // The unmutated files, written back from the parsed JSON, load and score.
        try bundle.write()
        let (manifest, model) = try ModelBundle.read(from: bundle.directory)
        #expect(Self.problems(scoring: model, manifest: manifest).isEmpty)

        let random = SeededGenerator(seed: 2_026).derived(UInt64(SmallBundles.names.firstIndex(of: name)!))
        var refused = 0
        for iteration in 0..<Self.mutationsPerBundle {
            var mutator = JSONMutator(random: random.derived(UInt64(iteration)))
            let editsManifest = mutator.chance(0.1)
            var document = editsManifest ? bundle.manifest : bundle.model
            var edits: [String] = []
            for _ in 0..<(mutator.chance(0.25) ? 2 : 1) { edits.append(mutator.mutate(&document)) }
            var bytes = document.bytes
            if !editsManifest && mutator.chance(0.04) {
                let length = mutator.integer(below: bytes.count)
                bytes.removeLast(bytes.count - length)
                edits.append("truncated to \(length) bytes")
            }
            if editsManifest { try bundle.write(manifest: document) } else { try bundle.write(modelBytes: bytes) }
            let loaded: (manifest: BundleManifest, model: TrainedModel)
            do {
                loaded = try ModelBundle.read(from: bundle.directory)
            } catch {
                refused += 1
                continue
            }
            let problems = Self.problems(scoring: loaded.model, manifest: loaded.manifest)
            #expect(problems.isEmpty, "\(name), mutation \(iteration) (\(editsManifest ? "manifest" : "model")): \(edits.joined(separator: "; ")): \(problems)")
        }
        // The mutations must reach the validation, not only the decoder's type checks: most
        // are refused, and some still load (a changed threshold, a removed gain entry's tree…).
        #expect(refused > Self.mutationsPerBundle / 4 && refused < Self.mutationsPerBundle, "\(name): \(refused) refused")
    }

    /// Scores and explains 16 rows every way the commands and the service do; what is not
    /// finite (or not a probability) is a problem. Errors thrown while scoring are allowed.
    static func problems(scoring model: TrainedModel, manifest: BundleManifest) -> [String] {
        var problems: [String] = []
        func check(_ values: [Double], _ what: String) {
            if let bad = values.first(where: { !$0.isFinite }) { problems.append("\(what): \(bad)") }
        }
        let count = 16
        var random = SeededGenerator(seed: 7)
        let prepared = PreparedModel(model)
        let rows = SmallBundles.encodedRows(features: model.features, count: count, random: &random)
        let table = ModelInputEncoder(features: model.features).dataset(encoded: rows, rows: count)
        check([prepared.expectedRawScore], "expected raw score")
        check(model.featureImportance, "feature importance")
        if let scores = try? prepared.rawScores(table) {
            check(scores, "table scores")
            let probabilities = manifest.probabilities(rawScores: scores)
            if probabilities.contains(where: { !(0...1).contains($0) }) { problems.append("probabilities: \(probabilities)") }
            for probability in probabilities { _ = manifest.qualityLevels?.level(probability) }
        }
        if let phi = try? model.contributions(table, threads: 1) {
            check(phi.flatMap { $0 }, "table contributions")
            check(manifest.calibratedContributions(phi, bias: prepared.expectedRawScore).contributions.flatMap { $0 }, "calibrated contributions")
        }
        for feature in manifest.inputProfile?.features ?? [] {
            let bins = [feature.bin(numeric: 3), feature.bin(numeric: .nan), feature.bin(category: "red"), feature.bin(category: nil)]
            if bins.contains(where: { !(0..<feature.binCount).contains($0) }) { problems.append("input profile bins \(bins) of \(feature.binCount)") }
        }
        guard prepared.scoresSingleRows else { return problems }
        let width = prepared.featureCount, members = prepared.memberWeights.count
        var block = [Double](repeating: 0, count: count), memberScores = [Double](repeating: 0, count: count * members)
        rows.withUnsafeBufferPointer { rows in
            for r in 0..<count {
                var phi = [Double](repeating: 0, count: prepared.contributionWidth)
                do {
                    check([try prepared.rawScore(row: rows.baseAddress! + r * width)], "row \(r) score")
                    try phi.withUnsafeMutableBufferPointer { try prepared.addContributions(row: rows.baseAddress! + r * width, to: $0.baseAddress!) }
                    check(phi, "row \(r) contributions")
                } catch {}
            }
            do {
                try block.withUnsafeMutableBufferPointer { out in
                    try memberScores.withUnsafeMutableBufferPointer { members in
                        try prepared.rawScores(rows: rows.baseAddress!, count: count, into: out.baseAddress!, memberScores: members.baseAddress)
                    }
                }
                check(block, "block scores")
                check(memberScores, "member scores")
            } catch {}
        }
        return problems
    }
}

/// Random edits of a JSON document, each described for the failure message. A value is chosen
/// by walking down from the root (stopping at a container now and then), preferring the
/// members scoring reads; it is then replaced, deleted, or (arrays, objects) cut short,
/// reordered or stripped of a member.
struct JSONMutator {
    var random: SeededGenerator

    /// Members that scoring or explaining reads: a walk goes into them four times as often.
    static let readMembers: Set<String> = [
        "trees", "feature", "left", "right", "categorySet", "categorySets", "threshold", "value", "count", "defaultLeft",
        "features", "kind", "categories", "name", "initialScore",
        "preprocessor", "numeric", "categorical", "levels", "missingLevel", "indicator", "mean", "scale", "fill",
        "coefficients", "intercept", "priorCorrection", "columnMeans", "columnDeviations",
        "members", "weight", "model",
        "calibration", "qualityLevels", "cutoffs", "inputProfile", "scoreProfile", "inputSchema", "edges", "shares", "a", "b", "x", "y", "platt", "isotonic", "_0",
    ]
    /// Members holding node or feature indices: they also get indices of their own tree.
    static let indexMembers: Set<String> = ["feature", "left", "right", "categorySet"]

    mutating func chance(_ probability: Double) -> Bool { random.nextDouble() < probability }
    mutating func integer(below bound: Int) -> Int { bound <= 0 ? 0 : random.nextInt(below: bound) }
    mutating func pick<T>(_ choices: [T]) -> T { choices[random.nextInt(below: choices.count)] }

    /// Applies one random edit to `document`; returns what it did.
    mutating func mutate(_ document: inout JSONValue) -> String {
        var path: [JSONValue.Step] = []
        var value = document
        var member: String?
        while true {
            let stop = chance(0.12)
            switch value {
            case .object(let members) where !members.isEmpty && !(stop && !path.isEmpty):
                let weights = members.map { Self.readMembers.contains($0.key) ? 4 : 1 }
                var draw = integer(below: weights.reduce(0, +)), index = 0
                while draw >= weights[index] { draw -= weights[index]; index += 1 }
                member = members[index].key
                path.append(.key(members[index].key))
                value = members[index].value
                continue
            case .array(let elements) where !elements.isEmpty && !stop:
                let index = integer(below: elements.count)
                path.append(.index(index))
                value = elements[index]
                continue
            default:
                break
            }
            break
        }
        // The array the value sits in, for indices of its own size and position.
        var siblings = 0, position = 0
        if case .index(let index) = path.last, case .array(let elements)? = document[Array(path.dropLast())] {
            siblings = elements.count
            position = index
        }
        let replacement = replacement(for: value, member: member, siblings: siblings, position: position)
        document.update(at: path) { $0 = replacement }
        let shown = replacement == JSONValue.removed ? "removed" : String(decoding: replacement.bytes.prefix(60), as: UTF8.self)
        return "\(path.map(\.description).joined(separator: ".")) = \(shown)"
    }

    private mutating func replacement(for value: JSONValue, member: String?, siblings: Int, position: Int) -> JSONValue {
        if chance(0.08) { return JSONValue.removed }
        if chance(0.05) { return pick([.null, .bool(true), .string("x"), .array([]), .object([])]) }
        switch value {
        case .number(let number):
            if let member, Self.indexMembers.contains(member), chance(0.7) {
                let size = Double(siblings)
                return .number(pick([Double(position), 0, Double(integer(below: max(1, siblings))), size, size + 1, -1, -2, 912, 2_147_483_647,
                                     -2_147_483_648, Double(position) - 1, Double(position) + 1]))
            }
            if chance(0.15) { return .string(pick(["nan", "inf", "-inf"])) }
            return .number(pick([0, -1, 1, 0.5, -number, number + 1, number * 1e6, 1e100, 1e101, -1e101, 1e300, -1e300, 1e308,
                                 .leastNonzeroMagnitude, 2_147_483_648, -2_147_483_649]))
        case .string(let text):
            return .string(pick(["", "nan", "inf", "gbdt", "logistic", "ensemble", "numeric", "categorical", "platt", text + "x"]))
        case .bool(let flag):
            return .bool(!flag)
        case .array(var elements):
            guard !elements.isEmpty else { return .array([.number(0)]) }
            switch integer(below: 6) {
            case 0: elements.removeLast(1 + integer(below: elements.count))
            case 1: elements.remove(at: integer(below: elements.count))
            case 2: elements.append(elements[integer(below: elements.count)])
            case 3: elements.swapAt(integer(below: elements.count), integer(below: elements.count))
            case 4: elements.reverse()
            default: elements = []
            }
            return .array(elements)
        case .object(var members):
            guard members.count > 1 else { return .object([]) }
            let first = integer(below: members.count), second = integer(below: members.count)
            if chance(0.5) {
                members.remove(at: first)
            } else {
                (members[first].value, members[second].value) = (members[second].value, members[first].value)
            }
            return .object(members)
        case .null:
            return .number(0)
        }
    }
}
