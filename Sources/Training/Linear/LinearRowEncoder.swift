import Foundation

/// The design row of one input row, for scoring a linear model a row at a time (a service
/// scoring one lead): what ``LinearPreprocessor/transform(_:)`` makes of a one-row table,
/// value for value, without building a ``Dataset``.
///
/// Input rows hold one value per ``LinearPreprocessor/features`` entry, in that order:
/// numbers as they are (NaN: missing), categories as their code in that feature's dictionary,
/// as a float (−1 missing, −2 unseen) — the layout ``ModelInputEncoder`` writes.
public struct LinearRowEncoder: Sendable {
    private enum Input: Sendable {
        /// Output column of the standardised value; of the indicator (−1: none).
        case numeric(column: Int, indicator: Int, mean: Double, inverseScale: Double, filled: Double, name: String)
        /// First output column of the one-hot block; block slot per dictionary code (−1: no
        /// column); slot of a missing value (−1: none).
        case categorical(blockStart: Int, slotOfCode: [Int32], missingSlot: Int32)
    }

    private let inputs: [Input]
    /// The number of design columns (``LinearPreprocessor/outputWidth``).
    public let width: Int
    /// The number of input values per row.
    public var inputCount: Int { inputs.count }

    public init(_ preprocessor: LinearPreprocessor) {
        width = preprocessor.outputWidth
        var inputs: [Input] = []
        var numericIndex = 0, categoricalIndex = 0
        var nextIndicator = preprocessor.numeric.count
        var blockStart = preprocessor.continuousWidth
        for feature in preprocessor.features {
            switch feature.kind {
            case .numeric:
                let input = preprocessor.numeric[numericIndex]
                inputs.append(.numeric(column: numericIndex, indicator: input.indicator ? nextIndicator : -1, mean: input.mean,
                                       inverseScale: 1 / input.scale, filled: (input.fill - input.mean) / input.scale, name: input.name))
                if input.indicator { nextIndicator += 1 }
                numericIndex += 1
            case .categorical:
                let input = preprocessor.categorical[categoricalIndex]
                var slotOfLevel: [String: Int32] = [:]
                for (slot, level) in input.levels.enumerated() { slotOfLevel[level] = Int32(slot) }
                inputs.append(.categorical(blockStart: blockStart, slotOfCode: (feature.categories ?? []).map { slotOfLevel[$0] ?? -1 },
                                           missingSlot: input.missingLevel ? Int32(input.levels.count) : -1))
                blockStart += input.levels.count + (input.missingLevel ? 1 : 0)
                categoricalIndex += 1
            }
        }
        self.inputs = inputs
    }

    /// Writes the design row of `row` to `design` (``width`` values).
    /// - Throws: ``PreprocessingError`` for an infinite number, as the table path does.
    public func encode(_ row: UnsafePointer<Float>, into design: UnsafeMutablePointer<Double>) throws(PreprocessingError) {
        design.update(repeating: 0, count: width)
        for (k, input) in inputs.enumerated() {
            let value = row[k]
            switch input {
            case .numeric(let column, let indicator, let mean, let inverseScale, let filled, let name):
                if value.isNaN {
                    design[column] = filled
                    if indicator >= 0 { design[indicator] = 1 }
                } else if value.isInfinite {
                    throw PreprocessingError(message: "column '\(name)', row 1: infinite value \(value)")
                } else {
                    design[column] = (Double(value) - mean) * inverseScale
                }
            case .categorical(let blockStart, let slotOfCode, let missingSlot):
                let code = value.isNaN ? Int(CategoricalColumn.missingCode) : Int(value)
                let slot = code >= 0 ? (code < slotOfCode.count ? slotOfCode[code] : -1)
                    : (code == Int(CategoricalColumn.missingCode) ? missingSlot : -1)
                if slot >= 0 { design[blockStart + Int(slot)] = 1 }
            }
        }
    }
}

extension LogisticModel {
    /// The raw score of one design row (``LinearRowEncoder``): the sum
    /// ``rawScores(_:threads:)`` forms for a table's row, in the same order, so bit for bit the same.
    public func rawScore(design: UnsafePointer<Double>) -> Double {
        var sum = intercept + priorCorrection
        coefficients.withUnsafeBufferPointer { beta in
            for j in 0..<beta.count { sum += beta[j] * design[j] }
        }
        return sum
    }

    /// Adds one design row's contributions per input feature to `phi` (``features`` order), as
    /// ``contributions(_:threads:)`` forms them for a table's row.
    public func addContributions(design: UnsafePointer<Double>, owners: [Int], to phi: UnsafeMutablePointer<Double>) {
        for j in 0..<coefficients.count { phi[owners[j]] += coefficients[j] * (design[j] - columnMeans[j]) }
    }
}
