import Foundation
import Testing
@testable import Training

/// Reads `text` with `options`, expecting success.
private func read(_ text: String, _ options: CSVReadOptions = CSVReadOptions()) throws -> Dataset {
    try CSVReader.read(text: text, fileName: "t.csv", options: options)
}

/// Reads `text`, expecting a CSVError, and returns it.
private func failure(_ text: String, _ options: CSVReadOptions = CSVReadOptions()) -> CSVError? {
    do {
        _ = try CSVReader.read(text: text, fileName: "t.csv", options: options)
        return nil
    } catch {
        return error
    }
}

private func numbers(_ dataset: Dataset, _ index: Int) -> [Float] {
    guard case .numeric(let column) = dataset.columns[index] else { Issue.record("not numeric"); return [] }
    return column.values
}

private func categorical(_ dataset: Dataset, _ index: Int) -> CategoricalColumn? {
    guard case .categorical(let column) = dataset.columns[index] else { Issue.record("not categorical"); return nil }
    return column
}

@Suite struct CSVReaderTests {
    @Test func infersNumericAndCategoricalColumnsAndTarget() throws {
        let d = try read("a,b,label\n1.5,x,0\n,y,1\n-2e1,x,1\n", CSVReadOptions(target: "label"))
        #expect(d.rowCount == 3)
        #expect(d.featureNames == ["a", "b"])
        let a = numbers(d, 0)
        #expect(a[0] == 1.5 && a[1].isNaN && a[2] == -20)
        let b = try #require(categorical(d, 1))
        #expect(b.categories == ["x", "y"])
        #expect(b.codes == [0, 1, 0])
        #expect(d.labels == [0, 1, 1])
    }

    @Test func emptyFieldIsTheOnlyMissingValue() throws {
        let d = try read("c\nNA\nNone\n\"\"\nnull\nNA\n")
        let c = try #require(categorical(d, 0))
        #expect(c.categories == ["NA", "None", "null"])
        #expect(c.codes == [0, 1, CategoricalColumn.missingCode, 2, 0])
    }

    @Test func quotingFollowsRFC4180() throws {
        let d = try read("name,n\r\n\"a, b\",1\r\n\"say \"\"hi\"\"\",2\r\n\"multi\nline\",3\r\n")
        let name = try #require(categorical(d, 0))
        #expect(Set(name.categories) == ["a, b", "say \"hi\"", "multi\nline"])
        #expect(numbers(d, 1) == [1, 2, 3])
    }

    @Test func categoriesAreSortedSoCodesDoNotDependOnRowOrder() throws {
        let d = try read("c\nzeta\nalpha\nmid\n")
        let c = try #require(categorical(d, 0))
        #expect(c.categories == ["alpha", "mid", "zeta"])
        #expect(c.codes == [2, 0, 1])
    }

    @Test func specialNumbersAndSpacesParse() throws {
        let d = try read("x\nnan\n-inf\nInfinity\n 3 \n1e400\n")
        let x = numbers(d, 0)
        #expect(x[0].isNaN && x[1] == -.infinity && x[2] == .infinity && x[3] == 3 && x[4] == .infinity)
    }

    @Test func columnKindsOverrideInference() throws {
        let d = try read("zip,v\n02134,1\n90210,2\n", CSVReadOptions(columnKinds: ["zip": .categorical]))
        #expect(try #require(categorical(d, 0)).categories == ["02134", "90210"])
        let e = try #require(failure("v\n1\nabc\n", CSVReadOptions(columnKinds: ["v": .numeric])))
        #expect(e.line == 3 && e.column == 1 && e.columnName == "v")
    }

    @Test func weightsAndIgnoredColumns() throws {
        let d = try read("id,x,w,y\n7,1,0.5,1\n8,2,2,0\n",
                         CSVReadOptions(target: "y", weightColumn: "w", ignoredColumns: ["id", "absent"]))
        #expect(d.featureNames == ["x"])
        #expect(d.weights == [0.5, 2])
    }

    @Test func byteOrderMarkAndMissingFinalNewline() throws {
        let d = try read("\u{FEFF}x,y\n1,0\n2,1")
        #expect(d.featureNames == ["x", "y"] && d.rowCount == 2)
    }

    @Test func headerOnlyGivesZeroRows() throws {
        let d = try read("x,label\n", CSVReadOptions(target: "label"))
        #expect(d.rowCount == 0 && d.columns.count == 1)
    }

    // MARK: Bad input: each names file, line and column

    @Test func emptyFileIsAnError() {
        let e = failure("")
        #expect(e?.message.contains("empty") == true && e?.file == "t.csv")
        #expect(failure("\n\n")?.message.contains("empty") == true)
    }

    @Test func wrongFieldCountNamesTheLine() {
        let e = failure("a,b\n1,2\n3\n")
        #expect(e?.line == 3 && e?.message == "expected 2 fields, found 1")
        #expect(failure("a,b\n1,2,3\n")?.line == 2)
    }

    @Test func unterminatedQuoteNamesWhereItOpened() {
        let e = failure("a,b\n1,2\n3,\"open\n4,5\n")
        #expect(e?.line == 3 && e?.column == 2 && e?.message.contains("unterminated") == true)
    }

    @Test func junkAfterClosingQuote() {
        let e = failure("a\n\"x\"y\n")
        #expect(e?.line == 2 && e?.column == 1)
    }

    @Test func labelMustBeZeroOrOne() {
        let options = CSVReadOptions(target: "y")
        let e = failure("x,y\n1,0\n2,2\n", options)
        #expect(e?.line == 3 && e?.column == 2 && e?.columnName == "y")
        #expect(failure("x,y\n1,\n", options)?.message.contains("missing") == true)
        #expect(failure("x,y\n1,yes\n", options)?.line == 2)
        #expect(try! read("x,y\n1,1.0\n", options).labels == [1])
    }

    @Test func missingTargetColumnListsTheColumns() {
        let e = failure("x,z\n1,0\n", CSVReadOptions(target: "y"))
        #expect(e?.message.contains("'y' not found") == true && e?.message.contains("x, z") == true)
    }

    @Test func nonUTF8IsAnErrorAtItsLine() throws {
        var bytes = Array("a,b\n1,ok\n2,".utf8)
        bytes += [0xC3, 0x28]  // invalid continuation
        bytes += Array("\n".utf8)
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(CSVError) in try CSVReader.read(bytes: buffer, fileName: "bad.csv", options: CSVReadOptions()) }
        }
        guard case .failure(let e) = result else { Issue.record("expected an error"); return }
        #expect(e.line == 3 && e.column == 2 && e.message.contains("UTF-8"))
        #expect(e.description == "bad.csv:3:2: the value is not valid UTF-8 (column 'b')")
    }

    @Test func duplicateHeaderIsAnError() {
        #expect(failure("a,a\n1,2\n")?.column == 2)
    }

    @Test func unreadableFileIsAnError() {
        do {
            _ = try CSVReader.read(contentsOf: URL(fileURLWithPath: "/nonexistent/x.csv"))
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "/nonexistent/x.csv")
        }
    }

    // MARK: Parallel parsing gives the same result as serial parsing

    @Test func resultDoesNotDependOnThreadCount() throws {
        var text = "n,c,q,label\n"
        var generator = 12345 as UInt64
        for row in 0..<60_000 {
            generator = generator &* 6364136223846793005 &+ 1442695040888963407
            let v = Int(generator >> 40) % 1000
            text += "\(Double(v) / 7),cat\(v % 13),\"q,\(v % 3)\",\(row % 2)\n"
        }
        let serial = try read(text, CSVReadOptions(target: "label", threads: 1))
        let parallel = try read(text, CSVReadOptions(target: "label", threads: 4))
        #expect(serial.rowCount == 60_000)
        #expect(numbers(serial, 0) == numbers(parallel, 0))
        #expect(categorical(serial, 1) == categorical(parallel, 1))
        #expect(categorical(serial, 2) == categorical(parallel, 2))
        #expect(serial.labels == parallel.labels)
        // An error late in the file reports the same absolute line either way.
        let broken = text + "1,2\n"
        #expect(failure(broken, CSVReadOptions(threads: 1))?.line == 60_002)
        #expect(failure(broken, CSVReadOptions(threads: 4))?.line == 60_002)
    }
}

@Suite struct AtomicWriteTests {
    /// `--out /dev/null` (or a pipe) must be written to, not replaced by a renamed regular
    /// file. A named pipe stands in for the device: it is held open for reading and writing
    /// here, so the writer never blocks, and what was written is read back from it.
    @Test func specialFilesAreWrittenInPlace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mlctl-fifo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("scores.csv")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let descriptor = open(fifo.path, O_RDWR | O_NONBLOCK)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        try CSVWriter.writeAtomically(to: fifo) { try $0.write("score\n0.5\n") }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(descriptor, &buffer, buffer.count)
        #expect(count == 10 && String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "score\n0.5\n")
        var info = stat()
        #expect(stat(fifo.path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the pipe was replaced")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["scores.csv"])  // no temporary left
    }
}

@Suite struct DecimalParserTests {
    @Test(arguments: ["0", "1", "-1", "3.14159", "1e-10", "123456789012345678901234", "0.1", "2.2250738585072014e-308",
                      "4.9e-324", "1.7976931348623157e308", ".5", "5.", "+7", "0.000123456789012345678", "9007199254740993",
                      "1e22", "1e23", "9007199254740992e-22", "-0", "00000000000000000000001", "12345678901234567890.5", "1E+5", "-.5e-3"])
    func matchesStrtod(_ text: String) {
        #expect(DecimalParser.parse(text) == strtod(text, nil))
    }

    @Test(arguments: ["", "-", "1e", "0x10", "1.2.3", "abc", "1,5", "e5", ". ", "nana"])
    func rejectsNonNumbers(_ text: String) {
        #expect(DecimalParser.parse(text) == nil)
    }
}
