import Evaluation

/// A bundle's calibration as ONNX nodes: from the raw score (log-odds, [N,1] double) to the
/// probability, computed as mlctl computes it, operation for operation:
///
///     none       σ(raw)                                     Sigmoid
///     Platt      σ(−(a·raw + b))                            Mul, Add, Neg, Sigmoid
///     isotonic   y₀ at or below the first knot, the last y   LessOrEqual against every knot,
///                at or above the last; between, the segment  ReduceSum (knots ≤ raw), clamped,
///                [xₗ, xₗ₊₁] holding raw (the last knot ≤ raw) Gather xₗ, xₗ₊₁, yₗ, yₗ₊₁, then
///                and yₗ + t·(yₗ₊₁ − yₗ), t = (raw − xₗ)/(xₗ₊₁ − xₗ)   Sub, Div, Mul, Add and Where
///
/// The isotonic segment is the one `IsotonicRegression.predict`'s binary search finds: with
/// knots in non-decreasing order, the last knot ≤ raw and the one after it.
enum ONNXCalibration {
    static func probability(_ raw: String, _ calibration: Calibration?, into graph: inout ONNXGraphBuilder) -> String {
        switch calibration {
        case nil:
            return graph.node("Sigmoid", [raw], output: "probability_double")
        case .platt(let platt):
            let a = graph.constant("platt_a", doubles: [platt.a]), b = graph.constant("platt_b", doubles: [platt.b])
            let scaled = graph.node("Mul", [raw, a], output: "platt_scaled")
            let shifted = graph.node("Add", [scaled, b], output: "platt_shifted")
            let negated = graph.node("Neg", [shifted], output: "platt_log_odds")
            return graph.node("Sigmoid", [negated], output: "probability_double")
        case .isotonic(let map):
            return isotonic(raw, map, into: &graph)
        }
    }

    static func isotonic(_ raw: String, _ map: IsotonicRegression, into graph: inout ONNXGraphBuilder) -> String {
        let first = graph.constant("isotonic_first_x", doubles: [map.x[0]]), last = graph.constant("isotonic_last_x", doubles: [map.x[map.x.count - 1]])
        let below = graph.constant("isotonic_first_y", doubles: [map.y[0]]), above = graph.constant("isotonic_last_y", doubles: [map.y[map.y.count - 1]])
        let atOrAbove = graph.node("GreaterOrEqual", [raw, last], output: "isotonic_at_or_above")
        let atOrBelow = graph.node("LessOrEqual", [raw, first], output: "isotonic_at_or_below")
        var inside = above
        if map.x.count >= 2 {
            let knots = graph.constant("isotonic_x", doubles: map.x), values = graph.constant("isotonic_y", doubles: map.y)
            let reached = graph.node("LessOrEqual", [knots, raw], output: "isotonic_knots_reached")        // [N,K]
            let counted = graph.node("Cast", [reached], output: "isotonic_knots_reached_int", [.init("to", .int(ONNXProto.DataType.int64.rawValue))])
            let axis = graph.integerConstant("isotonic_axis", [1])
            let count = graph.node("ReduceSum", [counted, axis], output: "isotonic_count", [.init("keepdims", .int(1))])
            let one = graph.integerConstant("isotonic_one", [1]), zero = graph.integerConstant("isotonic_zero", [0])
            let lastSegment = graph.integerConstant("isotonic_last_segment", [Int64(map.x.count - 2)])
            let shifted = graph.node("Sub", [count, one], output: "isotonic_low_unclamped")
            let nonnegative = graph.node("Max", [shifted, zero], output: "isotonic_low_nonnegative")
            let low = graph.node("Min", [nonnegative, lastSegment], output: "isotonic_low")
            let high = graph.node("Add", [low, one], output: "isotonic_high")
            let xLow = graph.node("Gather", [knots, low], output: "isotonic_x_low"), xHigh = graph.node("Gather", [knots, high], output: "isotonic_x_high")
            let yLow = graph.node("Gather", [values, low], output: "isotonic_y_low"), yHigh = graph.node("Gather", [values, high], output: "isotonic_y_high")
            let offset = graph.node("Sub", [raw, xLow], output: "isotonic_offset")
            let width = graph.node("Sub", [xHigh, xLow], output: "isotonic_width")
            let t = graph.node("Div", [offset, width], output: "isotonic_t")
            let step = graph.node("Sub", [yHigh, yLow], output: "isotonic_step")
            let rise = graph.node("Mul", [t, step], output: "isotonic_rise")
            inside = graph.node("Add", [yLow, rise], output: "isotonic_interpolated")
        }
        let upper = graph.node("Where", [atOrAbove, above, inside], output: "isotonic_upper")
        return graph.node("Where", [atOrBelow, below, upper], output: "probability_double")
    }
}
