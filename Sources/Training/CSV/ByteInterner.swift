/// Assigns dense codes (0, 1, 2, …) to distinct byte strings, in order of first appearance,
/// without creating a `String` per field. Used to collect a categorical column's values while
/// parsing; the codes are made deterministic later by ``sortedCategories()``.
struct ByteInterner {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]  // code k's bytes are arena[offsets[k]..<offsets[k+1]]
    private var hashes: [UInt64] = []
    /// 1-based (relative) line of each code's first occurrence, for error messages.
    private(set) var firstLines: [Int] = []
    private var table: [Int32] = Array(repeating: -1, count: 64)
    private var mask = 63

    var count: Int { hashes.count }

    /// The code of `bytes[start..<end]`, adding it when new.
    @inline(__always)
    mutating func intern(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int, line: Int) -> Int32 {
        let hash = Self.hash(bytes, start, end)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let code = table[slot]
            if code < 0 { break }
            if hashes[Int(code)] == hash && equals(Int(code), bytes, start, end) { return code }
            slot = (slot + 1) & mask
        }
        let code = Int32(hashes.count)
        for i in start..<end { arena.append(bytes[i]) }
        offsets.append(arena.count)
        hashes.append(hash)
        firstLines.append(line)
        table[slot] = code
        if hashes.count * 2 > table.count { grow() }
        return code
    }

    /// Interns an owned byte array (an unescaped quoted field).
    mutating func intern(_ owned: [UInt8], line: Int) -> Int32 {
        owned.withUnsafeBufferPointer { buffer in
            intern(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, 0, buffer.count, line: line)
        }
    }

    /// The bytes of `code`.
    func bytes(of code: Int) -> ArraySlice<UInt8> { arena[offsets[code]..<offsets[code + 1]] }

    private func equals(_ code: Int, _ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let from = offsets[code], to = offsets[code + 1]
        if to - from != end - start { return false }
        var k = 0
        while from + k < to {
            if arena[from + k] != bytes[start + k] { return false }
            k += 1
        }
        return true
    }

    private mutating func grow() {
        let capacity = table.count * 2
        table = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        for code in 0..<hashes.count {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(code)
        }
    }

    /// FNV-1a, 64-bit: short category strings dominate, where it is as good as anything.
    @inline(__always)
    private static func hash(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        var i = start
        while i < end {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        return h ^ (h >> 29)
    }
}
