/// The checks of a linear model read from a file (see ``ModelValidation``): what
/// ``LinearRowEncoder`` and the design-matrix code rely on when they index the preprocessing's
/// inputs by feature and the coefficients by design column.
extension LogisticModel {
    /// Checks the preprocessing (``LinearPreprocessor/validate()``), then one coefficient,
    /// mean and standard deviation per design column, and every number finite and bounded
    /// (``ModelValidation/magnitudeLimit``), deviations not negative.
    /// - Throws: ``ModelValidationError`` naming the field (`coefficients has 7 entries, not 9
    ///   (one per design column)`).
    public func validate() throws(ModelValidationError) {
        do throws(ModelValidationError) { try preprocessor.validate() } catch { throw error.inside("preprocessor") }
        let width = preprocessor.outputWidth
        for (name, values) in [("coefficients", coefficients), ("columnMeans", columnMeans), ("columnDeviations", columnDeviations)] {
            try ModelValidation.requireCount(values.count, name, width, "one per design column")
            try ModelValidation.requireBounded(values, name)
        }
        if let index = columnDeviations.firstIndex(where: { $0 < 0 }) {
            throw ModelValidationError("columnDeviations[\(index)] is \(columnDeviations[index]), a negative standard deviation")
        }
        try ModelValidation.requireBounded(intercept, "intercept")
        try ModelValidation.requireBounded(priorCorrection, "priorCorrection")
    }
}

extension LinearPreprocessor {
    /// Checks that the preprocessing has one numeric input per numeric feature and one
    /// categorical input per categorical feature, in the features' order and under their
    /// names, and that means, fills and scales are finite and bounded, scales at least
    /// 1 / ``ModelValidation/magnitudeLimit`` (a value is divided by its scale).
    /// - Throws: ``ModelValidationError`` naming the input.
    public func validate() throws(ModelValidationError) {
        try ModelValidation.validateFeatures(features)
        let numericNames = features.filter { $0.kind == .numeric }.map(\.name)
        let categoricalNames = features.filter { $0.kind == .categorical }.map(\.name)
        try ModelValidation.requireCount(numeric.count, "numeric", numericNames.count, "one per numeric feature")
        try ModelValidation.requireCount(categorical.count, "categorical", categoricalNames.count, "one per categorical feature")
        for (index, input) in numeric.enumerated() {
            let place = "numeric[\(index)]"
            guard input.name == numericNames[index] else {
                throw ModelValidationError("\(place) is named '\(input.name)', but numeric feature \(index) is '\(numericNames[index])'")
            }
            try ModelValidation.requireBounded(input.mean, "\(place).mean")
            try ModelValidation.requireBounded(input.fill, "\(place).fill")
            try ModelValidation.requireBounded(input.scale, "\(place).scale")
            guard input.scale >= 1 / ModelValidation.magnitudeLimit else {
                throw ModelValidationError("\(place).scale is \(input.scale), below the smallest scale accepted, \(1 / ModelValidation.magnitudeLimit)")
            }
        }
        for (index, input) in categorical.enumerated() where input.name != categoricalNames[index] {
            throw ModelValidationError("categorical[\(index)] is named '\(input.name)', but categorical feature \(index) is '\(categoricalNames[index])'")
        }
    }
}
