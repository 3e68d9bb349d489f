import Core
import Foundation
import Training
import Tuning

/// `mlctl-bench linear DATA.csv TARGET THREADS`: the stages of the logistic baseline on a
/// numeric table, each timed alone — standard scaling (fit + transform), SMOTE (`auto`, k = 5)
/// on the scaled rows, and logistic regression (C = 1, tol 1e-4) on the scaled rows with
/// L-BFGS and with Newton — plus the coefficients, for the comparison with scikit-learn.
func benchmarkLinear(_ arguments: [String]) throws -> [String: Any] {
    let threads = Int(arguments[4])!
    var data: Dataset!
    let readSeconds = try seconds {
        data = try CSVReader.read(contentsOf: URL(fileURLWithPath: arguments[2]), options: CSVReadOptions(target: arguments[3], threads: threads))
    }
    var preprocessor: LinearPreprocessor!, parts: LinearPreprocessor.Parts!
    let scaleSeconds = try seconds {
        preprocessor = try LinearPreprocessor.fit(data)
        parts = try preprocessor.parts(data)
    }
    let x = parts.continuous
    // Memory-bandwidth yardstick: the same bytes as scaling moves (read Float columns, write a
    // new Double matrix), as one plain copy into freshly allocated memory (so the copy pays the
    // same first-touch page faults as a new matrix does).
    let bytes = data.rowCount * data.columns.count * (4 + 8)
    let source = [UInt8](repeating: 1, count: bytes / 2)
    var copySeconds = Double.infinity
    for _ in 0..<3 {
        let target = UnsafeMutableRawPointer.allocate(byteCount: bytes / 2, alignment: 64)
        copySeconds = min(copySeconds, seconds { source.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: bytes / 2) } })
        target.deallocate()
    }
    var synthetic: SMOTESamples!
    let smoteSeconds = try seconds {
        synthetic = try SMOTE.samples(continuous: x, levels: [], levelCounts: [], labels: data.labels, random: SeededGenerator(seed: 0), threads: threads)
    }
    let weights = [Double](repeating: 1, count: data.rowCount)
    var fits: [String: Any] = [:]
    for (name, solver, tolerance) in [("lbfgs", LogisticSolver.lbfgs, 1e-4), ("lbfgs_1e-6", .lbfgs, 1e-6), ("newton", .newton, 1e-4)] {
        var fit: LogisticRegression.Fit!
        let fitSeconds = try seconds {
            fit = try LogisticRegression.fit(x: x, labels: data.labels, weights: weights, C: 1, penalty: .l2, solver: solver, tolerance: tolerance, threads: threads)
        }
        fits[name] = ["seconds": fitSeconds, "iterations": fit.iterations, "converged": fit.converged,
                      "coefficients": fit.coefficients, "intercept": fit.intercept]
    }
    return ["rows": data.rowCount, "columns": x.columnCount, "threads": threads, "read_s": readSeconds, "scale_s": scaleSeconds,
            "scale_bytes_moved": bytes, "memcpy_same_bytes_s": copySeconds, "smote_s": smoteSeconds, "smote_rows": synthetic.continuous.rowCount, "fits": fits]
}
