import Glibc

/// A write to a file or a standard stream that failed (a full disk, a closed pipe, a file-size
/// limit): the destination and the system's reason.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public var destination: String
    public var reason: String
    public init(destination: String, reason: String) {
        self.destination = destination
        self.reason = reason
    }
    public var description: String { "cannot write \(destination): \(reason)" }
}

/// A file descriptor written with `write(2)`, where every failure is a thrown
/// ``FileWriteError`` — unlike `FileHandle.write(_:)`, which ends the process on `/dev/full`
/// or a closed pipe. It does not own standard streams; files it opened are closed by
/// ``close()``.
public final class OutputFile: @unchecked Sendable {
    public let descriptor: Int32
    /// The path or stream name, for messages.
    public let name: String
    private var closed = false

    public init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    public static let standardOutput = OutputFile(descriptor: 1, name: "standard output")
    public static let standardError = OutputFile(descriptor: 2, name: "standard error")

    /// Opens `path` for writing, created with mode 0644 or truncated.
    public static func create(path: String) throws(FileWriteError) -> OutputFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(destination: path, reason: String(cString: strerror(errno))) }
        return OutputFile(descriptor: fd, name: path)
    }

    /// Opens an existing non-regular file (a device, a pipe) for writing, without truncating.
    public static func openExisting(path: String) throws(FileWriteError) -> OutputFile {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileWriteError(destination: path, reason: String(cString: strerror(errno))) }
        return OutputFile(descriptor: fd, name: path)
    }

    /// Writes all of `bytes`, retrying short writes and interruptions.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        try check(writeAll(bytes))
    }

    public func write(_ bytes: [UInt8]) throws(FileWriteError) {
        try check(bytes.withUnsafeBytes { writeAll($0) })
    }

    public func write(_ text: String) throws(FileWriteError) {
        var text = text
        try check(text.withUTF8 { writeAll(UnsafeRawBufferPointer($0)) })
    }

    /// Throws for a ``writeAll(_:)`` result other than 0.
    private func check(_ failure: Int32) throws(FileWriteError) {
        if failure != 0 { throw FileWriteError(destination: name, reason: failure < 0 ? "nothing was written" : String(cString: strerror(failure))) }
    }

    /// 0 when every byte was written, else the `errno` of the failure (−1: a write of nothing).
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            return n == 0 ? -1 : errno
        }
        return 0
    }

    /// Flushes the file to the disk (`fsync`); a device or pipe that cannot be synced is fine.
    public func synchronize() throws(FileWriteError) {
        if fsync(descriptor) != 0 && errno != EINVAL && errno != EROFS {
            throw FileWriteError(destination: name, reason: String(cString: strerror(errno)))
        }
    }

    /// Closes a file this type opened (standard streams stay open); a failing close (a
    /// delayed write error on some file systems) is an error.
    public func close() throws(FileWriteError) {
        guard !closed, descriptor > 2 else { return }
        closed = true
        if Glibc.close(descriptor) != 0 { throw FileWriteError(destination: name, reason: String(cString: strerror(errno))) }
    }

    deinit { if !closed && descriptor > 2 { _ = Glibc.close(descriptor) } }
}
