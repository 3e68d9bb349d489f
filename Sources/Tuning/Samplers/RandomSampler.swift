import Core
import Foundation

/// Independent uniform draws: floats and integers uniform on their scale (log-uniform when
/// `log`), snapped to their step; categoricals uniform over the choices.
public struct RandomSampler: Sampler {
    public var name: String { "random" }

    public init() {}

    public func sample(space: SearchSpace, history: [Trial], direction: Direction, random: inout SeededGenerator) -> [String: Double] {
        var values: [String: Double] = [:]
        for parameter in space.parameters where space.isActive(parameter, given: values) {
            values[parameter.name] = Self.draw(parameter.distribution, random: &random)
        }
        return values
    }

    /// One uniform draw from `distribution`, in the internal representation.
    public static func draw(_ distribution: Distribution, random: inout SeededGenerator) -> Double {
        switch distribution {
        case .float(let low, let high, let log, let step):
            if log { return min(high, max(low, Foundation.exp(Foundation.log(low) + random.nextDouble() * (Foundation.log(high) - Foundation.log(low))))) }
            if let step {
                let count = Int(((high - low) / step).rounded(.down)) + 1
                return low + Double(random.nextInt(below: count)) * step
            }
            return low + random.nextDouble() * (high - low)
        case .int(let low, let high, let log, let step):
            if log {
                // Log-uniform over [low − ½, high + ½], rounded: each integer gets the share of
                // the log scale around it.
                let a = Foundation.log(Double(low) - 0.5), b = Foundation.log(Double(high) + 0.5)
                return min(Double(high), max(Double(low), Foundation.exp(a + random.nextDouble() * (b - a)).rounded()))
            }
            let count = (high - low) / step + 1
            return Double(low + random.nextInt(below: count) * step)
        case .categorical(let choices):
            return Double(random.nextInt(below: choices.count))
        }
    }
}
