import Core
import Foundation
import Testing
import TestSupport
import Tuning
@testable import Training

/// The logistic baseline as a model: contributions, bundles, SMOTE with prior correction,
/// and bad input.
@Suite struct LogisticModelTests {
    /// A small mixed table: two numeric columns (one with missing values), one categorical.
    private func table(rows: Int, seed: UInt64, constant: Bool = false) -> Dataset {
        var random = SeededGenerator(seed: seed)
        var a = [Float](), b = [Float](), codes = [Int32](), labels = [UInt8]()
        for _ in 0..<rows {
            let x = Float(random.nextGaussian()), y = Float(random.nextGaussian())
            let c = Int32(random.nextInt(below: 3))
            let logit = 1.5 * Double(x) - 0.8 * Double(y) + [0.0, 0.7, -0.9][Int(c)] - 2.0
            labels.append(random.nextDouble() < 1 / (1 + exp(-logit)) ? 1 : 0)
            a.append(x); b.append(random.nextDouble() < 0.1 ? .nan : y); codes.append(random.nextDouble() < 0.05 ? -1 : c)
        }
        var columns: [Column] = [.numeric(NumericColumn(name: "a", values: a)), .numeric(NumericColumn(name: "b", values: b)),
                                 .categorical(CategoricalColumn(name: "c", codes: codes, categories: ["x", "y", "z"]))]
        if constant { columns.append(.numeric(NumericColumn(name: "k", values: [Float](repeating: 3, count: rows)))) }
        return Dataset(columns: columns, labels: labels, rowCount: rows)
    }

    @Test func contributionsAddUpToTheRawScore() throws {
        let data = table(rows: 2000, seed: 1)
        var parameters = LogisticParameters()
        parameters.smote = true
        let model = try LogisticTrainer.train(data, parameters: parameters)
        let raw = try model.rawScores(data), phi = try model.contributions(data)
        for row in 0..<data.rowCount {
            #expect(abs(model.expectedRawScore + phi[row].reduce(0, +) - raw[row]) < 1e-9)
        }
        // The contribution of a feature is centred: over the training rows it averages to zero.
        for feature in 0..<3 {
            #expect(abs(phi.reduce(0) { $0 + $1[feature] } / Double(data.rowCount)) < 1e-9)
        }
    }

    @Test func bundleRoundTripGivesIdenticalPredictions() throws {
        let data = table(rows: 1500, seed: 2)
        let model = try LogisticTrainer.train(data, parameters: LogisticParameters())
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = directory.appendingPathComponent("model")
        try ModelBundle.write(.logistic(model), manifest: BundleManifest(modelKind: "logistic", target: "y", inputSchema: model.features,
                                                                        logisticParameters: model.parameters, seed: 0,
                                                                        dataFingerprint: data.fingerprint(), trainingRows: data.rowCount, metrics: [:]),
                              to: bundle)
        let (manifest, read) = try ModelBundle.read(from: bundle)
        #expect(manifest.modelKind == "logistic" && read == .logistic(model))
        #expect(try read.rawScores(data) == (try model.rawScores(data)))
    }

    /// SMOTE balances the classes, which moves every probability up; the prior correction
    /// brings the mean probability back to the base rate without changing the ranking.
    @Test func priorCorrectionUndoesTheShiftOfSMOTE() throws {
        let data = table(rows: 4000, seed: 3)
        let rate = Double(data.positiveCount) / Double(data.rowCount)
        var parameters = LogisticParameters()
        parameters.smote = true
        let corrected = try LogisticTrainer.train(data, parameters: parameters)
        parameters.priorCorrection = false
        let shifted = try LogisticTrainer.train(data, parameters: parameters)
        let mean = { (p: [Double]) in p.reduce(0, +) / Double(p.count) }
        #expect(abs(mean(try corrected.probabilities(data)) - rate) < 0.02, "corrected mean vs base rate \(rate)")
        #expect(mean(try shifted.probabilities(data)) > rate + 0.15)
        #expect(corrected.coefficients == shifted.coefficients && corrected.priorCorrection < -1)
        #expect(corrected.fittedRows == 2 * (data.rowCount - data.positiveCount))
        // Same seed, same model, whatever the thread count.
        parameters.priorCorrection = true
        parameters.threads = 1
        var one = try LogisticTrainer.train(data, parameters: parameters)
        one.parameters.threads = 0
        #expect(one == corrected)
    }

    @Test func awkwardButValidInputIsHandled() throws {
        // A constant column gets scale 1 and a zero coefficient.
        let data = table(rows: 800, seed: 4, constant: true)
        let model = try LogisticTrainer.train(data, parameters: LogisticParameters())
        let constant = model.preprocessor.numeric.first { $0.name == "k" }!
        #expect(constant.scale == 1 && model.coefficients[model.preprocessor.outputNames.firstIndex(of: "k")!] == 0)
        // More design columns than rows: the L2 penalty keeps the problem well posed.
        var random = SeededGenerator(seed: 5)
        let wide = Dataset(columns: (0..<12).map { j in .numeric(NumericColumn(name: "x\(j)", values: (0..<5).map { _ in Float(random.nextGaussian()) })) },
                           labels: [0, 1, 0, 1, 1], rowCount: 5)
        let small = try LogisticTrainer.train(wide, parameters: LogisticParameters())
        #expect(small.converged && small.coefficients.count == 12)
        // An unseen category and a missing value at prediction time score without error.
        var unseen = data.rows([0, 1])
        unseen.columns[2] = .categorical(CategoricalColumn(name: "c", codes: [0, -1], categories: ["never-seen"]))
        unseen.columns[0] = .numeric(NumericColumn(name: "a", values: [.nan, 1]))
        #expect(try model.probabilities(unseen).allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func badInputIsRejectedWithAClearMessage() throws {
        let data = table(rows: 300, seed: 6)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        var oneClass = data
        oneClass.labels = [UInt8](repeating: 0, count: data.rowCount)
        #expect(message { _ = try LogisticTrainer.train(oneClass, parameters: LogisticParameters()) }.contains("one class only"))
        var infinite = data
        var values = [Float](repeating: 1, count: data.rowCount)
        values[41] = .infinity
        infinite.columns[0] = .numeric(NumericColumn(name: "a", values: values))
        #expect(message { _ = try LogisticTrainer.train(infinite, parameters: LogisticParameters()) } == "column 'a', row 42: infinite value inf")
        var fewPositives = data
        fewPositives.labels = [UInt8](repeating: 0, count: data.rowCount)
        for row in 0..<3 { fewPositives.labels[row] = 1 }
        var smote = LogisticParameters()
        smote.smote = true
        #expect(message { _ = try LogisticTrainer.train(fewPositives, parameters: smote) }.contains("the minority class has 3 rows; k_neighbors = 5 needs at least 6"))
        var badC = LogisticParameters()
        badC.C = 0
        #expect(message { _ = try LogisticTrainer.train(data, parameters: badC) }.contains("C must be positive"))
    }
}
