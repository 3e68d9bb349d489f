/// "Did you mean …?" for a mistyped command or option: the closest known name by edit
/// distance, when it is close enough to be what was meant (at most 2 edits, and fewer than a
/// third of the longer name's characters) — otherwise nothing, rather than a wild guess.
enum Suggestion {
    /// The closest of `candidates` to `word`, or nil when none is close.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { (name: $0, distance: editDistance(word, $0)) }
        guard let best = scored.min(by: { ($0.distance, $0.name) < ($1.distance, $1.name) }) else { return nil }
        let longer = max(word.count, best.name.count)
        return best.distance <= 2 && best.distance * 3 < longer ? best.name : nil
    }

    /// " (did you mean 'X'?)" for a message, or "" when nothing is close.
    static func hint(for word: String, among candidates: [String], prefix: String = "") -> String {
        closest(to: word, among: candidates).map { "; did you mean '\(prefix)\($0)'?" } ?? ""
    }

    /// Levenshtein distance: insertions, deletions and substitutions of characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
