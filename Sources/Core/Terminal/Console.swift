import Foundation

/// Standard output and error, and whether they are terminals.
public enum Console {
    public static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
    public static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
    /// Whether standard error is a terminal (progress bars) rather than a log (plain lines).
    public static var errorIsTerminal: Bool { isatty(2) == 1 }
}
