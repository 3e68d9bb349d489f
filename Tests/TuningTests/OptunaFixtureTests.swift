import Foundation
import Testing
@testable import Tuning

/// TPE's Parzen estimator and the GP against Optuna 5.0.0, from `Tests/Fixtures/optuna/`
/// (made by `scripts/fixtures/make_tuning_fixtures.py`, which also checks every formula
/// against a plain NumPy re-implementation).
///
/// Tolerances: the estimators are closed-form, so values agree to rounding (1e-10 on log
/// densities, which sum a handful of logs of erfc differences); Optuna's own MAP fit stops at a
/// gradient of 1e-2, so our fit is compared with the objective it reaches, not its parameters.
@Suite struct OptunaFixtureTests {
    static func load(_ name: String) -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/optuna/\(name)")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }
    nonisolated(unsafe) static let tpe = load("tpe.json")
    nonisolated(unsafe) static let gp = load("gp.json")

    private func doubles(_ value: Any?) -> [Double] { (value as! [NSNumber]).map(\.doubleValue) }

    private func distribution(_ object: [String: Any]) -> Distribution {
        switch object["type"] as! String {
        case "float":
            return .float(low: (object["low"] as! NSNumber).doubleValue, high: (object["high"] as! NSNumber).doubleValue,
                          log: object["log"] as! Bool, step: (object["step"] as? NSNumber)?.doubleValue)
        case "int":
            return .int(low: (object["low"] as! NSNumber).intValue, high: (object["high"] as! NSNumber).intValue,
                        log: object["log"] as! Bool, step: (object["step"] as? NSNumber)?.intValue ?? 1)
        default:
            return .categorical(choices: (0..<(object["choices"] as! NSNumber).intValue).map { "c\($0)" })
        }
    }

    @Test func weightsAndGammaMatchOptuna() {
        for item in Self.tpe["default_weights"] as! [[String: Any]] {
            let expected = doubles(item["weights"]), actual = TPESampler.defaultWeights((item["n"] as! NSNumber).intValue)
            #expect(actual.count == expected.count && zip(actual, expected).allSatisfy { abs($0 - $1) <= 1e-15 }, "n = \(item["n"]!)")
        }
        for item in Self.tpe["gamma"] as! [[String: Any]] {
            #expect(TPESampler.defaultGamma((item["n"] as! NSNumber).intValue) == (item["value"] as! NSNumber).intValue)
        }
    }

    @Test func truncatedNormalMatchesOptuna() {
        for item in Self.tpe["truncnorm"] as! [[String: Any]] {
            let a = (item["a"] as! NSNumber).doubleValue, b = (item["b"] as! NSNumber).doubleValue
            #expect(abs(StandardNormal.logMass(a, b) - (item["log_gauss_mass"] as! NSNumber).doubleValue) <= 1e-12)
            for (q, c) in zip(doubles(item["q"]), doubles(item["ppf"])) {
                #expect(abs(StandardNormal.sampleTruncated(mu: 0, sigma: 1, low: a, high: b, uniform: q) - c) <= 1e-9, "ppf(\(q)) on [\(a), \(b)]")
            }
        }
    }

    @Test func parzenEstimatorsMatchOptuna() {
        for item in Self.tpe["parzen"] as! [[String: Any]] {
            let name = item["name"] as! String
            let distributions: [Distribution]
            let observations: [[Double]]
            if let single = item["distribution"] as? [String: Any] {
                distributions = [distribution(single)]
                observations = [doubles(item["observations"])]
            } else {
                distributions = (item["parameters"] as! [[String: Any]]).map { distribution($0["distribution"] as! [String: Any]) }
                let rows = (item["observations"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
                observations = distributions.indices.map { d in rows.map { $0[d] } }
            }
            var settings = ParzenSettings()
            settings.priorWeight = (item["prior_weight"] as! NSNumber).doubleValue
            settings.magicClip = item["consider_magic_clip"] as! Bool
            settings.considerEndpoints = item["consider_endpoints"] as! Bool
            settings.multivariate = item["multivariate"] as! Bool
            let estimator = ParzenEstimator(observations: observations, distributions: distributions,
                                            weights: doubles(item["predetermined_weights"]), settings: settings)
            let mixture = item["mixture"] as! [String: Any]
            let weights = doubles(mixture["weights"])
            #expect(estimator.weights.count == weights.count && zip(estimator.weights, weights).allSatisfy { abs($0 - $1) <= 1e-14 }, "\(name) weights")
            let parameterMixtures = (mixture["parameters"] as? [[String: Any]]) ?? [mixture]
            for (dimension, expected) in zip(estimator.dimensions, parameterMixtures) {
                switch dimension {
                case .numerical(let mus, let sigmas, let low, let high, _, _):
                    #expect(abs(low - (expected["low"] as! NSNumber).doubleValue) <= 1e-12 && abs(high - (expected["high"] as! NSNumber).doubleValue) <= 1e-12, "\(name) range")
                    // Components as a multiset of (weight, mu, sigma): Optuna may swap the sigmas of equal mus.
                    let ours = zip(estimator.weights, zip(mus, sigmas)).map { [$0, $1.0, $1.1] }.sorted { $0.lexicographicallyPrecedes($1) }
                    let theirs = zip(weights, zip(doubles(expected["mus"]), doubles(expected["sigmas"]))).map { [$0, $1.0, $1.1] }.sorted { $0.lexicographicallyPrecedes($1) }
                    #expect(ours.count == theirs.count && zip(ours, theirs).allSatisfy { a, b in zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) } },
                            "\(name) components: \(ours) vs \(theirs)")
                case .categorical(let probabilities):
                    let expectedRows = (expected["categorical_weights"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
                    #expect(probabilities.count == expectedRows.count && zip(probabilities, expectedRows).allSatisfy { a, b in zip(a, b).allSatisfy { abs($0 - $1) <= 1e-14 } },
                            "\(name) categorical weights")
                }
            }
            let logPDF = item["log_pdf"] as! [String: Any]
            let points: [[Double]] = (logPDF["x"] as! [Any]).map { x in (x as? [NSNumber])?.map(\.doubleValue) ?? [(x as! NSNumber).doubleValue] }
            for (value, expected) in zip(estimator.logDensity(points), doubles(logPDF["values"])) {
                #expect(abs(value - expected) <= 1e-10 * max(1, abs(expected)), "\(name): log density \(value) vs \(expected)")
            }
        }
    }

    @Test func gaussianProcessMatchesOptuna() {
        for item in Self.gp["cases"] as! [[String: Any]] {
            let name = item["name"] as! String
            let inputs = (item["X"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            let outputs = doubles(item["y"])
            let isCategorical = item["is_categorical"] as! [Bool]
            func parameters(_ object: [String: Any]) -> KernelParameters {
                KernelParameters(inverseSquaredLengthscales: doubles(object["inverse_squared_lengthscales"]),
                                 kernelScale: (object["kernel_scale"] as! NSNumber).doubleValue, noiseVariance: (object["noise_var"] as! NSNumber).doubleValue)
            }
            let fixed = item["fixed_kernel"] as! [String: Any]
            let kernel = parameters(fixed)
            for pair in fixed["kernel_pairs"] as! [[String: Any]] {
                let k = GaussianProcess.kernel(doubles(pair["a"]), doubles(pair["b"]), isCategorical: isCategorical, parameters: kernel)
                #expect(abs(k - (pair["k"] as! NSNumber).doubleValue) <= 1e-13, "\(name) kernel")
            }
            let gp = GaussianProcess(inputs: inputs, outputs: outputs, isCategorical: isCategorical, parameters: kernel)!
            let threshold = (fixed["threshold"] as! NSNumber).doubleValue
            let queries = (fixed["query"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            for (index, query) in queries.enumerated() {
                let (mean, variance) = gp.posterior(query)
                #expect(abs(mean - doubles(fixed["mean"])[index]) <= 1e-9 * max(1, abs(mean)), "\(name) mean")
                #expect(abs(variance - doubles(fixed["var"])[index]) <= 1e-9, "\(name) variance")
                let logEI = logExpectedImprovement(mean: mean, variance: variance, threshold: threshold), expected = doubles(fixed["log_ei"])[index]
                #expect(abs(logEI - expected) <= 1e-8 * max(1, abs(expected)), "\(name) log EI \(logEI) vs \(expected)")
            }
            // The MAP objective (Optuna omits −n/2 log 2π) at given parameters, and our fit.
            let map = item["map_fit"] as! [String: Any]
            let constant = 0.5 * Double(inputs.count) * log(2 * Double.pi)
            for point in (map["objective_at"] as! [[String: Any]]) + [map] {
                let p = parameters(point)
                let model = GaussianProcess(inputs: inputs, outputs: outputs, isCategorical: isCategorical, parameters: p)!
                let objective = model.logMarginalLikelihood + constant + GPSampler.logPrior(p)
                #expect(abs(objective - (point["objective"] as! NSNumber).doubleValue) <= 1e-9 * max(1, abs(objective)), "\(name) objective")
            }
            let fitted = GPSampler.fitKernel(inputs: inputs, outputs: outputs, isCategorical: isCategorical, minimumNoise: 1e-6)
            let ours = GaussianProcess(inputs: inputs, outputs: outputs, isCategorical: isCategorical, parameters: fitted)!
            let ourObjective = ours.logMarginalLikelihood + constant + GPSampler.logPrior(fitted)
            let converged = ((map["converged"] as! [String: Any])["objective"] as! NSNumber).doubleValue
            #expect(ourObjective >= (map["objective"] as! NSNumber).doubleValue - 1e-4 && ourObjective <= converged + 1e-9,
                    "\(name): our MAP objective \(ourObjective), Optuna's \(map["objective"]!), converged \(converged)")
        }
    }

    /// The analytical gradient of the MAP objective agrees with finite differences.
    @Test func kernelFitGradientIsRight() {
        let item = (Self.gp["cases"] as! [[String: Any]])[2]
        let inputs = (item["X"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        let outputs = doubles(item["y"]), isCategorical = item["is_categorical"] as! [Bool]
        let raw = (0..<(isCategorical.count + 2)).map { 0.3 * sin(Double($0) + 1) }
        let (_, gradient) = GPSampler.logPosterior(raw: raw, inputs: inputs, outputs: outputs, isCategorical: isCategorical, minimumNoise: 1e-6)
        for k in raw.indices {
            var up = raw, down = raw
            up[k] += 1e-6; down[k] -= 1e-6
            let numeric = (GPSampler.logPosterior(raw: up, inputs: inputs, outputs: outputs, isCategorical: isCategorical, minimumNoise: 1e-6).0
                - GPSampler.logPosterior(raw: down, inputs: inputs, outputs: outputs, isCategorical: isCategorical, minimumNoise: 1e-6).0) / 2e-6
            #expect(abs(numeric - gradient[k]) <= 1e-5 * max(1, abs(numeric)), "coordinate \(k): \(gradient[k]) vs \(numeric)")
        }
    }
}
