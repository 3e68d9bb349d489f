import Foundation

extension CSVReader {
    /// The text of `names`' fields in the CSV file at `url`, one array per name in row order
    /// (`nil`: an empty field), as written — for copying ids and other columns to a command's
    /// output. Throws naming a column the file lacks.
    public static func textColumns(_ names: [String], of url: URL, threads: Int? = nil) throws(CSVError) -> [[String?]] {
        guard !names.isEmpty else { return [] }
        let header = try header(of: url)
        for name in names where !header.contains(name) {
            throw CSVError(file: displayName(url), message: "the file has no column '\(name)' (columns: \(header.prefix(20).joined(separator: ", ")))")
        }
        let wanted = Set(names)
        let options = CSVReadOptions(ignoredColumns: Set(header).subtracting(wanted),
                                     columnKinds: Dictionary(uniqueKeysWithValues: wanted.map { ($0, .categorical) }), threads: threads)
        let data = try read(contentsOf: url, options: options)
        return names.map { name in
            guard let column = data.columns.first(where: { $0.name == name }), case .categorical(let c) = column else { return [] }
            return c.codes.map { $0 >= 0 ? c.categories[Int($0)] : nil }
        }
    }
}
