import Foundation

/// Standard output and error, and whether they are terminals.
///
/// A failed write to standard output (`> /dev/full`, a closed pipe) does not end the process:
/// the first failure is kept in ``outputFailure`` for the command to report and exit 1 on.
/// Failed writes to standard error are dropped: there is nowhere left to report them.
public enum Console {
    public static func out(_ text: String) {
        do {
            try OutputFile.standardOutput.write(text + "\n")
        } catch {
            recordFailure(error)
        }
    }

    public static func error(_ text: String) {
        try? OutputFile.standardError.write(text + "\n")
    }

    /// Writes `text` to standard output as it is; throws when it cannot be written.
    public static func write(_ text: String) throws(FileWriteError) {
        do {
            try OutputFile.standardOutput.write(text)
        } catch {
            recordFailure(error)
            throw error
        }
    }

    /// The first write to standard output that failed, if any.
    public static var outputFailure: FileWriteError? {
        failureLock.lock()
        defer { failureLock.unlock() }
        return firstFailure
    }

    /// Whether standard error is a terminal (progress bars) rather than a log (plain lines).
    public static var errorIsTerminal: Bool { isatty(2) == 1 }

    private static func recordFailure(_ error: FileWriteError) {
        failureLock.lock()
        if firstFailure == nil { firstFailure = error }
        failureLock.unlock()
    }

    private static let failureLock = NSLock()
    nonisolated(unsafe) private static var firstFailure: FileWriteError?
}
