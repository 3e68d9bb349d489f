import Core
import Evaluation
import Foundation

/// Writes ``Dataset``s and other tables as CSV that ``CSVReader`` reads back identically:
/// numbers in the shortest form that round-trips (`Float` → decimal → the same `Float`),
/// missing values as empty fields, text quoted only where RFC 4180 requires it.
///
/// Files are written to a temporary name beside the destination and renamed into place, so a
/// reader never sees a half-written file.
public enum CSVWriter {
    /// Writes `dataset` with its label as a last column named `labelName` (when it has labels).
    public static func write(_ dataset: Dataset, labelName: String?, to url: URL, threads: Int = defaultThreadCount) throws {
        var header = dataset.featureNames
        let writeLabels = labelName != nil && !dataset.labels.isEmpty
        if writeLabels { header.append(labelName!) }
        try writeAtomically(to: url) { handle in
            try handle.write(header.map(field).joined(separator: ",") + "\n")
            let blockSize = 16_384
            let blocks = (dataset.rowCount + blockSize - 1) / blockSize
            // Format blocks in parallel, two at a time per thread, and write them in order.
            var next = 0
            while next < blocks {
                let batch = min(blocks - next, max(1, threads) * 2)
                let slots = ResultSlots<[UInt8]>(count: batch)
                parallelFor(batch, threads: threads) { k in
                    let rows = ((next + k) * blockSize)..<min(dataset.rowCount, (next + k + 1) * blockSize)
                    slots[k] = formatRows(dataset, rows: rows, writeLabels: writeLabels)
                }
                for bytes in slots.values { try handle.write(bytes) }
                next += batch
            }
        }
    }

    private static func formatRows(_ dataset: Dataset, rows: Range<Int>, writeLabels: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * dataset.columns.count * 6)
        let quotedCategories: [[String]?] = dataset.columns.map { column in
            if case .categorical(let c) = column { return c.categories.map(field) }
            return nil
        }
        for row in rows {
            for (index, column) in dataset.columns.enumerated() {
                if index > 0 { out.append(0x2C) }
                switch column {
                case .numeric(let c):
                    let value = c.values[row]
                    if !value.isNaN { out.append(contentsOf: formatNumber(value).utf8) }
                case .categorical(let c):
                    let code = c.codes[row]
                    if code >= 0 { out.append(contentsOf: quotedCategories[index]![Int(code)].utf8) }
                    // unseen categories cannot be written as text: they are written as missing
                }
            }
            if writeLabels {
                out.append(0x2C)
                out.append(dataset.labels[row] == 1 ? 0x31 : 0x30)
            }
            out.append(0x0A)
        }
        return out
    }

    /// The shortest decimal text that reads back as the same `Float`; integers without `.0`.
    public static func formatNumber(_ value: Float) -> String {
        if value == value.rounded() && abs(value) < 1e7 { return String(Int(value)) }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return value.description
    }

    /// A field quoted if it contains a comma, quote or line break (or is empty text, which
    /// must be distinguishable from a missing value).
    public static func field(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The destination that means this process's standard output (the CLI's `--out -`): its
    /// descriptor is written, even when the shell redirected it to a regular file (renaming
    /// over that file would lose the output).
    public static let standardOutputURL = URL(fileURLWithPath: "/dev/stdout")

    /// Creates `url` by writing a temporary file beside it and renaming it into place; on
    /// error (a full disk, a file-size limit, a failure of `body`) the temporary file is
    /// removed and `url` is untouched. A directory is refused.
    ///
    /// A destination that exists and is not a regular file or a directory (`/dev/null`,
    /// `/dev/stdout`, a named pipe) is written to directly: there is no file to protect, and
    /// renaming over it would replace the device or pipe itself with a regular file.
    public static func writeAtomically(to url: URL, _ body: (OutputFile) throws -> Void) throws {
        if url == standardOutputURL {
            try body(OutputFile.standardOutput)
            return
        }
        var info = stat()
        if stat(url.path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { throw FileWriteError(destination: url.path, reason: "it is a directory (name a file)") }
            if info.st_mode & S_IFMT != S_IFREG {
                let output = try OutputFile.openExisting(path: url.path)
                try body(output)
                try output.close()
                return
            }
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let output = try OutputFile.create(path: temporary.path)
        do {
            try body(output)
            try output.synchronize()
            try output.close()
            if rename(temporary.path, url.path) != 0 {
                throw FileWriteError(destination: url.path, reason: "cannot rename the written file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? output.close()
            unlink(temporary.path)
            throw error
        }
    }
}
