import Foundation
import Training

/// The drift of one input feature.
public struct FeatureDrift: Sendable {
    public var feature: String
    /// Population stability index of the window against the training rows.
    public var psi: Double
    /// `stable` (< 0.1), `warning` (0.1–0.25), `alert` (≥ 0.25), or `insufficient data` below
    /// ``DriftMonitor/minimumObservations`` rows.
    public var level: String
}

/// Input drift of one served model: the rows it scored recently, binned as the training rows
/// were in the bundle's ``InputProfile``, compared per feature by the population stability
/// index  PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)  (shares floored at 10⁻⁴ so empty bins stay
/// finite). The window is the last `window` rows, kept as two halves: when the newer half
/// fills, the older one is dropped.
public final class DriftMonitor: @unchecked Sendable {
    public static let minimumObservations = 100
    public static let warningPSI = 0.1
    public static let alertPSI = 0.25

    public let profile: InputProfile
    private let columnOfFeature: [Int?]
    private let binOfCode: [[Int]?]
    private let halfWindow: Int
    private let lock = NSLock()
    private var current: [[Int]]
    private var previous: [[Int]]
    private var currentRows = 0
    private var previousRows = 0

    /// A monitor for rows with `features` (the model's inputs, in order).
    public init(profile: InputProfile, features: [ModelFeature], window: Int = 10_000) {
        self.profile = profile
        self.halfWindow = max(1, window / 2)
        var index: [String: Int] = [:]
        for (k, feature) in features.enumerated() { index[feature.name] = k }
        columnOfFeature = profile.features.map { index[$0.name] }
        binOfCode = profile.features.map { profiled in
            guard profiled.categories != nil, let k = index[profiled.name], let dictionary = features[k].categories else { return nil }
            return dictionary.map { profiled.bin(category: $0) }
        }
        current = profile.features.map { [Int](repeating: 0, count: $0.binCount) }
        previous = current
    }

    /// Adds the rows of `data` (columns in the model's feature order).
    public func record(_ data: Dataset) {
        var bins = [Int](repeating: -1, count: profile.features.count * data.rowCount)
        for (f, profiled) in profile.features.enumerated() {
            guard let column = columnOfFeature[f], column < data.columns.count else { continue }
            for row in 0..<data.rowCount {
                switch data.columns[column] {
                case .numeric(let c):
                    bins[row * profile.features.count + f] = profiled.bin(numeric: c.values[row])
                case .categorical(let c):
                    let code = c.codes[row]
                    let bin: Int
                    if code == CategoricalColumn.missingCode { bin = profiled.binCount - 1 }
                    else if code < 0 { bin = profiled.binCount - 2 }
                    else { bin = binOfCode[f]?[Int(code)] ?? profiled.binCount - 2 }
                    bins[row * profile.features.count + f] = bin
                }
            }
        }
        lock.lock()
        defer { lock.unlock() }
        for row in 0..<data.rowCount {
            if currentRows == halfWindow {
                previous = current
                previousRows = currentRows
                for f in current.indices { for b in current[f].indices { current[f][b] = 0 } }
                currentRows = 0
            }
            for f in profile.features.indices {
                let bin = bins[row * profile.features.count + f]
                if bin >= 0 { current[f][bin] += 1 }
            }
            currentRows += 1
        }
    }

    /// Rows in the window.
    public var observations: Int {
        lock.lock()
        defer { lock.unlock() }
        return currentRows + previousRows
    }

    /// Drift of every profiled feature the model reads, largest PSI first.
    public func report() -> [FeatureDrift] {
        lock.lock()
        let counts = zip(current, previous).map { zip($0, $1).map { $0 + $1 } }
        let rows = currentRows + previousRows
        lock.unlock()
        var out: [FeatureDrift] = []
        for (f, profiled) in profile.features.enumerated() where columnOfFeature[f] != nil {
            let psi = Self.populationStabilityIndex(expected: profiled.shares, counts: counts[f])
            let level = rows < Self.minimumObservations ? "insufficient data" : psi >= Self.alertPSI ? "alert" : psi >= Self.warningPSI ? "warning" : "stable"
            out.append(FeatureDrift(feature: profiled.name, psi: rows == 0 ? 0 : psi, level: level))
        }
        return out.sorted { $0.psi != $1.psi ? $0.psi > $1.psi : $0.feature < $1.feature }
    }

    /// PSI of observed bin `counts` against `expected` shares (both over the same bins).
    public static func populationStabilityIndex(expected: [Double], counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return 0 }
        var psi = 0.0
        for (e, count) in zip(expected, counts) {
            let a = max(Double(count) / total, 1e-4), x = max(e, 1e-4)
            psi += (a - x) * log(a / x)
        }
        return psi
    }
}
