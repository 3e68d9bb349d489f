import Foundation

/// A PostgreSQL server of a test's own (Debian's `postgresql` binaries, a temporary data
/// directory, a free loopback port), for tests that stop and restart the database — which they
/// must never do to the shared server other tests are using. Removed when released.
public final class DedicatedPostgres: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// `postgresql://mlctl@127.0.0.1:PORT/mlctl_test`
    public let url: String
    private let bin: String
    private let directory: URL
    private let port: Int
    private let runAs: [String]

    public init() throws {
        let environment = ProcessInfo.processInfo.environment
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
        guard let bin = environment["MLCTL_TEST_PG_BIN"] ?? candidates.last, FileManager.default.fileExists(atPath: bin + "/initdb") else {
            throw Failure(description: "PostgreSQL server binaries not found (apt-get install postgresql)")
        }
        self.bin = bin
        directory = URL(fileURLWithPath: "/tmp/mlctl-pg-dedicated-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            // initdb refuses to run as root: use the account Debian's package creates.
            runAs = ["/usr/sbin/runuser", "-u", "postgres", "--"]
            try Self.run(["/bin/chown", "postgres", directory.path], log: "/dev/null")
        } else {
            runAs = []
        }
        port = Self.freePort()
        url = "postgresql://mlctl@127.0.0.1:\(port)/mlctl_test"
        try run(runAs + ["\(bin)/initdb", "-D", directory.path + "/data", "-U", "mlctl", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        try start()
        try run(runAs + ["\(bin)/createdb", "-h", directory.path, "-p", String(port), "-U", "mlctl", "mlctl_test"])
    }

    deinit {
        _ = try? run(runAs + ["\(bin)/pg_ctl", "-D", directory.path + "/data", "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server (again) and waits until it accepts connections.
    public func start() throws {
        try run(runAs + ["\(bin)/pg_ctl", "-D", directory.path + "/data", "-l", directory.path + "/server.log", "-w", "-t", "60",
                              "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    /// Stops the server (fast shutdown: open connections are cut).
    public func stop() throws {
        try run(runAs + ["\(bin)/pg_ctl", "-D", directory.path + "/data", "-m", "fast", "-w", "stop"])
    }

    /// Runs a command with its output in `directory/commands.log` (posix_spawn and waitpid:
    /// the server pg_ctl starts keeps inherited descriptors open, so no pipe is read to its end).
    private func run(_ arguments: [String]) throws {
        try Self.run(arguments, log: directory.path + "/commands.log")
    }

    private static func run(_ arguments: [String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (status \(status)): \(output.suffix(2000))")
        }
    }

    /// A port nothing listens on (bound once by the kernel's choice, then released).
    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
