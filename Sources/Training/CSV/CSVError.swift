/// A problem in a CSV file, located by file, line and column so that a user can open the file
/// at the right place. Lines and columns are 1-based; `line` counts physical lines (a quoted
/// field that spans lines advances it), `column` counts fields.
public struct CSVError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's name as the user gave it (or a label such as `<memory>`).
    public var file: String
    /// 1-based line of the problem, or `nil` for a whole-file problem (an empty file).
    public var line: Int?
    /// 1-based field number, when the problem is in one field.
    public var column: Int?
    /// The column's header name, when known.
    public var columnName: String?
    /// What is wrong, in words.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.message = message
    }

    /// `file:line:column: message (column 'name')`, the form compilers use, so that editors
    /// can jump to it.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        var text = "\(location): \(message)"
        if let columnName { text += " (column '\(columnName)')" }
        return text
    }
}
