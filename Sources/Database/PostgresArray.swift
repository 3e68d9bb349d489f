/// PostgreSQL's text form of a one-dimensional array, for passing many values as one
/// parameter (`unnest($1::text[])`): values stay parameters, never SQL text.
public enum PostgresArray {
    /// `{"a","b \"c\""}`: each element double-quoted with `"` and `\` escaped (any text is
    /// safe), or, with `quoted: false`, as it is (numbers only: `{1,2.5,-3}`).
    public static func literal(_ elements: [String], quoted: Bool = true) -> String {
        var text = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { text += "," }
            if quoted {
                text += "\""
                for character in element {
                    if character == "\"" || character == "\\" { text.append("\\") }
                    text.append(character)
                }
                text += "\""
            } else {
                text += element
            }
        }
        return text + "}"
    }
}
