import Experiments

extension ABAssignment {
    /// The arm name (`control` or `treatment`) of `leadID` in a two-arm test with
    /// `controlPercent` % control: what the tests written before arms compare with.
    static func variant(testName: String, leadID: Int64, controlPercent: Int) -> String {
        ABArm.controlAndTreatment(controlPercent: controlPercent)[
            armIndex(bucket: bucket(testName: testName, leadID: leadID), percents: [controlPercent, 100 - controlPercent])].name
    }
}
