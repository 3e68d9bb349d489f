/// The checks of an ensemble read from a file (see ``ModelValidation``).
extension EnsembleModel {
    /// Checks every member (``TrainedModel/validate()``, members of weight 0 too: they are
    /// still read for features and importance) and its weight (finite and bounded, see
    /// ``ModelValidation/magnitudeLimit``), and that some member has a weight other than 0:
    /// an ensemble of none would give no score at all, not a score of 0, for every row.
    /// - Throws: ``ModelValidationError`` naming the member (`member 2 'leafwise': tree 3
    ///   node 8: …`).
    public func validate() throws(ModelValidationError) {
        for (index, member) in members.enumerated() {
            let place = "member \(index) '\(member.name)'"
            do throws(ModelValidationError) {
                try ModelValidation.requireBounded(member.weight, "weight")
                try member.model.validate()
            } catch {
                throw error.inside(place)
            }
        }
        guard members.contains(where: { $0.weight != 0 }) else {
            throw ModelValidationError("no member has a weight other than 0 (\(members.count) members)")
        }
    }
}
