import Core
import Training

/// Warns, on standard error, about each categorical column of `data` with a distinct value on
/// nearly every row: an id by another name, which as a feature memorises rows. Names the
/// column and the flag that leaves it out.
func warnAboutIdentifierColumns(_ data: Dataset, command: String) {
    for (name, share) in data.identifierLikeColumns() {
        Console.error("\(command): warning: column '\(name)' has a distinct value on \(Int((min(1, share) * 100).rounded())) % of the rows: "
            + "an id is no feature (it memorises rows); leave it out with --id-column \(name) or --ignore-columns \(name)")
    }
}
