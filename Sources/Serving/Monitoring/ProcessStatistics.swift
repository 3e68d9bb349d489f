import Glibc

/// The process's own resource use, for `/metrics` (the Prometheus client libraries' standard
/// `process_*` series): CPU seconds, resident memory and open file descriptors, read from
/// `/proc/self`. A value that cannot be read is nil and its line is left out.
struct ProcessStatistics {
    /// User + system CPU time, in seconds.
    var cpuSeconds: Double?
    /// Resident set size, in bytes.
    var residentBytes: Double?
    /// Open file descriptors (connections included).
    var openFileDescriptors: Int?

    /// The current figures.
    static func current() -> ProcessStatistics {
        var usage = rusage()
        let cpu = getrusage(RUSAGE_SELF.rawValue, &usage) == 0
            ? Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6 : nil
        return ProcessStatistics(cpuSeconds: cpu, residentBytes: residentBytes(), openFileDescriptors: openDescriptors())
    }

    /// The second field of `/proc/self/statm` (resident pages) times the page size.
    private static func residentBytes() -> Double? {
        guard let file = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(file) }
        var size = 0, resident = 0
        guard readPair(file, &size, &resident) else { return nil }
        return Double(resident) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func readPair(_ file: UnsafeMutablePointer<FILE>, _ a: inout Int, _ b: inout Int) -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
        let fields = String(cString: buffer).split(separator: " ")
        guard fields.count >= 2, let first = Int(fields[0]), let second = Int(fields[1]) else { return false }
        a = first
        b = second
        return true
    }

    /// The entries of `/proc/self/fd`, less the one the listing itself opens.
    private static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name != "." && name != ".." { count += 1 }
        }
        return max(0, count - 1)
    }
}
