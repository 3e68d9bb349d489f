import CNetworking
import Core
import Foundation
import Training

/// Settings of an ``HTTPServer``. Times are seconds.
public struct HTTPServerConfiguration: Sendable {
    /// IPv4 address to listen on (`127.0.0.1` by default: loopback only; `0.0.0.0` for all).
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (see ``HTTPServer/port``).
    public var port = 8080
    /// Event-loop threads; each owns the connections it accepted and runs their handlers.
    public var threads = 2
    public var limits = HTTPRequestParser.Limits()
    /// Open connections beyond this are answered 503 and closed at once.
    public var maxConnections = 1024
    /// A request whose bytes have started to arrive must be complete within this time (408
    /// otherwise), and a response the client does not read must drain within it: a slow
    /// client cannot hold a connection or a worker.
    public var readTimeout = 10.0
    /// An idle keep-alive connection is closed after this time.
    public var idleTimeout = 60.0
    /// On shutdown, in-flight requests get this long to finish.
    public var shutdownGrace = 10.0
    /// One line per request on standard error (``ServiceLog/appendAccess(_:into:time:client:method:route:status:bytes:microseconds:requestID:)``):
    /// time, client address, method, route template, status, body bytes, microseconds and
    /// request id. Each event loop buffers its lines and writes them once per loop turn.
    public var accessLog = true
    /// Where the access lines go, in its format (standard error, text, by default).
    public var log = ServiceLog()
    /// Stop gracefully on SIGTERM and SIGINT.
    public var handleSignals = false

    public init() {}
}

/// What the server tells its handler besides the request.
public struct RequestContext: Sendable {
    /// The event loop running the handler, `0..<threads` (for per-thread resources such as a
    /// database connection); a handler that defers work to its own threads may pass those
    /// threads' indices on in its own contexts.
    public let worker: Int

    public init(worker: Int) { self.worker = worker }
}

/// One answered request, for metrics (including requests rejected before any handler ran).
public struct ResponseRecord: Sendable {
    public var method: String
    public var path: String
    public var status: Int
    public var microseconds: Int
}

/// Why the server could not start.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// An HTTP/1.1 server on epoll: one edge-triggered event loop per thread, each accepting from
/// its own listening socket on the shared port; keep-alive and pipelining (responses in
/// request order); the limits, timeouts and graceful shutdown of ``HTTPServerConfiguration``. Handlers run on the loop
/// that read the request, so they must be quick or the loop's other connections wait; a
/// handler with long work returns ``HTTPResponse/later(_:)``, which runs it on a worker thread,
/// or ``HTTPResponse/eventually(_:)``, whose work replies from whichever thread finishes it.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest, RequestContext) -> HTTPResponse

    public let configuration: HTTPServerConfiguration
    /// The port actually bound.
    public let port: Int
    let handler: Handler
    let onResponse: (@Sendable (ResponseRecord) -> Void)?
    let listenFDs: [Int32]
    private let lock = NSLock()
    private var openConnections = 0
    private var stopRequested = false
    private var runningLoops = 0
    private var listenerClosed = false
    private var loops: [EventLoop] = []
    private let finished = DispatchGroup()
    /// Where ``HTTPResponse/later(_:)`` work runs.
    let workers = DispatchQueue(label: "mlctl-http-work", qos: .userInitiated, attributes: .concurrent)

    /// Binds the listening socket (so that a port conflict is reported here, before
    /// ``start()``).
    public init(configuration: HTTPServerConfiguration, onResponse: (@Sendable (ResponseRecord) -> Void)? = nil,
                handler: @escaping Handler) throws(HTTPServerError) {
        self.configuration = configuration
        self.handler = handler
        self.onResponse = onResponse
        // One listening socket per event loop on the same port (SO_REUSEPORT): the kernel
        // spreads connections evenly, where loops sharing one socket would not. SO_REUSEPORT
        // would also let a second server (of the same user) share a port already in use and
        // take half its traffic, so the port is first bound without it: that fails while any
        // other socket listens there.
        var bound = Int32(configuration.port)
        if bound != 0 {
            var probed: Int32 = 0
            let probe = mlctl_listen_tcp(configuration.host, bound, 1, 0, &probed)
            guard probe >= 0 else { throw Self.listenError(probe, configuration) }
            close(probe)
        }
        var sockets: [Int32] = []
        for _ in 0..<max(1, configuration.threads) {
            var port: Int32 = 0
            let fd = mlctl_listen_tcp(configuration.host, bound, 1024, 1, &port)
            guard fd >= 0 else {
                for socket in sockets { close(socket) }
                throw Self.listenError(fd, configuration)
            }
            sockets.append(fd)
            bound = port
        }
        listenFDs = sockets
        port = Int(bound)
        if configuration.handleSignals { mlctl_install_shutdown_signals() } else { mlctl_ignore_sigpipe() }
    }

    deinit { closeListener() }

    /// The error of a failed listen (`code` is a negative errno).
    private static func listenError(_ code: Int32, _ configuration: HTTPServerConfiguration) -> HTTPServerError {
        let reason = code == -EINVAL ? "'\(configuration.host)' is not an IPv4 address"
            : code == -EADDRINUSE ? "the port is in use by another process (another mlctl serve?)" : String(cString: strerror(-code))
        return HTTPServerError(message: "cannot listen on \(configuration.host):\(configuration.port): \(reason)")
    }

    /// Starts the event loops and returns.
    public func start() throws(HTTPServerError) {
        for index in 0..<max(1, configuration.threads) {
            let loop = try EventLoop(server: self, index: index)
            loops.append(loop)
            lock.lock()
            runningLoops += 1
            lock.unlock()
            finished.enter()
            let thread = Thread { [finished, self] in
                loop.run()
                self.loopEnded()
                finished.leave()
            }
            thread.stackSize = 4 << 20
            thread.name = "mlctl-http-\(index)"
            thread.start()
        }
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), then closes
    /// every connection. Returns at once; ``wait()`` blocks until it is done.
    public func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
        for loop in loops { loop.wake() }
    }

    /// Blocks until every event loop has ended (after ``stop()`` or a shutdown signal).
    public func wait() { finished.wait() }

    /// The last event loop to end closes the listening socket, so that new connections are
    /// refused (not left waiting in the backlog) once the server has stopped.
    private func loopEnded() {
        lock.lock()
        runningLoops -= 1
        let last = runningLoops == 0
        lock.unlock()
        if last { closeListener() }
    }

    private func closeListener() {
        lock.lock()
        defer { lock.unlock() }
        if !listenerClosed { for fd in listenFDs { close(fd) }; listenerClosed = true }
    }

    var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested || (configuration.handleSignals && mlctl_shutdown_requested() != 0)
    }

    /// Reserves a connection slot; `false` when the limit is reached.
    func reserveConnection() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard openConnections < configuration.maxConnections else { return false }
        openConnections += 1
        return true
    }

    func releaseConnection() {
        lock.lock()
        openConnections -= 1
        lock.unlock()
    }
}

/// One client connection, owned by one event loop.
final class Connection {
    let fd: Int32
    var parser: HTTPRequestParser
    var input: [UInt8] = []
    var inputStart = 0
    var output: [UInt8] = []
    var outputStart = 0
    var closeAfterWrite = false
    var lastActivity: Double
    var requestStarted: Double?
    var writeStalledSince: Double?
    /// The request whose response a worker thread is making (``HTTPResponse/later(_:)``):
    /// later requests on the connection wait for it.
    var awaiting: (method: String, path: String, requestID: RequestID, keepAlive: Bool, started: Double)?
    /// The client's IPv4 address, host byte order.
    let peerAddress: UInt32
    /// The client's address as the access log writes it, made on first use.
    lazy var client: String = Self.dottedQuad(peerAddress)

    /// An IPv4 address (host byte order) as `a.b.c.d`.
    static func dottedQuad(_ a: UInt32) -> String { "\(a >> 24).\(a >> 16 & 255).\(a >> 8 & 255).\(a & 255)" }

    init(fd: Int32, peerAddress: UInt32, limits: HTTPRequestParser.Limits, now: Double) {
        self.fd = fd
        self.peerAddress = peerAddress
        self.parser = HTTPRequestParser(limits: limits)
        self.lastActivity = now
        input.reserveCapacity(4096)
    }

    /// Reading stopped because the client does not read its replies (or a deferred reply holds
    /// the queue): see ``EventLoop/mayRead(_:)``.
    var readPaused = false
    /// The client has shut down its side (its remaining bytes are still to be read).
    var peerClosed = false

    var bufferedInput: Int { input.count - inputStart }
    var pendingOutput: Int { output.count - outputStart }
    var hasPendingOutput: Bool { outputStart < output.count }
}

/// An event loop: an epoll instance, its own listening socket (SO_REUSEPORT), a wake-up
/// eventfd and the connections it accepted.
final class EventLoop: @unchecked Sendable {
    private unowned let server: HTTPServer
    private let index: Int
    private let epoll: Int32
    private let wakeFD: Int32
    private let listenFD: Int32
    private var connections: [Int32: Connection] = [:]
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var log: [UInt8] = []
    private var logTime = LogTime()
    /// Ids made by this loop so far.
    private var requestsNumbered = 0
    /// The bytes of the id of the request being answered (reused: no allocation per request).
    private var requestIDBytes: [UInt8] = []
    private var dateCache = (second: -1, text: "")
    private var stopping = false
    private var stopDeadline = 0.0
    /// Responses made on worker threads, for the loop to send (under `completionLock`).
    private var completions: [(connection: UncheckedSendable<Connection>, response: HTTPResponse)] = []
    private let completionLock = NSLock()
    private static let busyResponse: HTTPResponse = {
        var response = HTTPResponse.error(503, code: "too_many_connections", message: "the server has too many open connections; retry later")
        response.closeConnection = true
        return response
    }()

    init(server: HTTPServer, index: Int) throws(HTTPServerError) {
        self.server = server
        self.index = index
        epoll = mlctl_epoll_create()
        wakeFD = mlctl_eventfd()
        guard epoll >= 0, wakeFD >= 0 else { throw HTTPServerError(message: "cannot create an event loop: \(String(cString: strerror(errno)))") }
        listenFD = server.listenFDs[index]
        _ = mlctl_epoll_add(epoll, listenFD, mlctl_epoll_in)
        _ = mlctl_epoll_add(epoll, wakeFD, mlctl_epoll_in)
    }

    deinit {
        close(epoll)
        close(wakeFD)
    }

    func wake() { mlctl_eventfd_signal(wakeFD) }

    func run() {
        var fds = [Int32](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        var lastSweep = monotonicSeconds()
        var answered: [Connection] = []
        while true {
            let count = Int(mlctl_epoll_wait(epoll, &fds, &events, 256, anyResumable ? 0 : 100))
            let now = monotonicSeconds()
            var oldestUnsent = now
            for k in 0..<max(0, count) {
                let fd = fds[k]
                if fd == listenFD {
                    if !stopping { acceptAll(now: now) }
                } else if fd == wakeFD {
                    mlctl_eventfd_drain(wakeFD)
                    answered += deliverCompletions(now: now)
                } else if let connection = connections[fd] {
                    let bits = events[k]
                    if bits & (mlctl_epoll_in | mlctl_epoll_rdhup | mlctl_epoll_hup | mlctl_epoll_err) != 0 {
                        readAndServe(connection, now: now, peerClosed: bits & (mlctl_epoll_rdhup | mlctl_epoll_hup | mlctl_epoll_err) != 0)
                        answered.append(connection)
                        if monotonicSeconds() - oldestUnsent > Self.longestReplyWait {
                            flush(&answered, now: now)
                            oldestUnsent = monotonicSeconds()
                        }
                    } else if bits & mlctl_epoll_out != 0, connection.hasPendingOutput {
                        flush(connection, now: now)
                    }
                }
            }
            flush(&answered, now: now)
            answered = resumePaused(now: now)
            flush(&answered, now: now)
            flushLog()
            if !stopping, server.isStopping {
                stopping = true
                stopDeadline = now + server.configuration.shutdownGrace
                _ = mlctl_epoll_remove(epoll, listenFD)
            }
            if stopping {
                for connection in Array(connections.values)
                where connection.awaiting == nil && !connection.hasPendingOutput
                    && !connection.parser.isMidRequest(bufferedBytes: connection.bufferedInput) {
                    closeConnection(connection)
                }
                if connections.isEmpty || now > stopDeadline {
                    for connection in Array(connections.values) { closeConnection(connection) }
                    flushLog()
                    return
                }
            }
            if now - lastSweep > 0.1 {
                lastSweep = now
                sweepTimeouts(now: now)
            }
        }
    }

    // MARK: Accepting

    private func acceptAll(now: Double) {
        while true {
            var peerAddress: UInt32 = 0
            let fd = mlctl_accept(listenFD, &peerAddress)
            if fd < 0 { return }  // EAGAIN (another loop took it) or a transient error
            guard server.reserveConnection() else {
                refuse(fd, peerAddress: peerAddress)
                continue
            }
            let connection = Connection(fd: fd, peerAddress: peerAddress, limits: server.configuration.limits, now: now)
            connections[fd] = connection
            _ = mlctl_epoll_add(epoll, fd, mlctl_epoll_in | mlctl_epoll_out | mlctl_epoll_rdhup | mlctl_epoll_et)
        }
    }

    /// Answers a connection beyond the limit 503 (with its request id and access line, as
    /// every reply) and closes it, without reading its request.
    private func refuse(_ fd: Int32, peerAddress: UInt32) {
        let started = monotonicSeconds()
        let requestID = newRequestID()
        requestIDBytes.removeAll(keepingCapacity: true)
        requestID.append(to: &requestIDBytes)
        var bytes: [UInt8] = []
        Self.busyResponse.serialise(into: &bytes, date: httpDate(), keepAlive: false, requestID: requestIDBytes)
        bytes.withUnsafeBytes { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if server.configuration.accessLog {
            ServiceLog.appendAccess(server.configuration.log.format, into: &log, time: &logTime, client: Connection.dottedQuad(peerAddress),
                                    method: "-", route: "-", status: 503, bytes: Self.busyResponse.body.count,
                                    microseconds: Int((monotonicSeconds() - started) * 1e6), requestID: requestIDBytes)
        }
    }

    // MARK: Reading and answering

    /// Reads what arrived and answers it into the connection's output, which the caller
    /// flushes. A read shorter than the buffer has emptied the socket: later data raises a new
    /// edge, so the extra read that would only say EAGAIN is skipped — unless the peer has
    /// closed, whose end of input must still be seen.
    ///
    /// Each chunk read is answered before the next is read, and reading stops (the connection
    /// is paused) while the connection's unsent replies or unparsed input pass their bounds:
    /// a client that pipelines requests without reading the replies leaves them in its own
    /// socket buffer, not in this process. ``resumePaused(now:)`` goes on once they drain.
    private func readAndServe(_ connection: Connection, now: Double, peerClosed: Bool) {
        // The end of input must be read even when it was signalled while the connection was
        // paused (an edge is not raised twice).
        if peerClosed { connection.peerClosed = true }
        let peerClosed = connection.peerClosed
        let wasListed = connection.readPaused
        connection.readPaused = false
        serveBuffered(connection, now: now)  // what was left when the connection was paused
        var endOfInput = false
        while !connection.closeAfterWrite {
            guard mayRead(connection) else {
                connection.readPaused = true
                if !wasListed { paused.append(connection) }
                return
            }
            let n = readBuffer.withUnsafeMutableBytes { Glibc.read(connection.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if connection.bufferedInput == 0 { connection.requestStarted = now }
                connection.input.append(contentsOf: readBuffer[0..<n])
                connection.lastActivity = now
                serveBuffered(connection, now: now)
                if n < readBuffer.count && !peerClosed { break }
                continue
            }
            if n == 0 { endOfInput = true; break }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            if errno == EINTR { continue }
            closeConnection(connection)
            return
        }
        if endOfInput {
            // The client finished sending: answer what it sent, then close.
            connection.closeAfterWrite = true
            connection.input.removeAll()
            connection.inputStart = 0
        }
    }

    /// The most unsent reply bytes a connection may have before its requests wait (the reply
    /// being made may pass it once), and the most unparsed input before reading waits: a head
    /// and a body at their limits, and a read's worth.
    static let maxPendingOutput = 256 * 1024
    private var maxBufferedInput: Int { server.configuration.limits.maxHeadBytes + server.configuration.limits.maxBodyBytes + readBuffer.count }

    /// Whether the connection may read more: its unsent replies and its unparsed input are
    /// within their bounds.
    private func mayRead(_ connection: Connection) -> Bool {
        connection.pendingOutput <= Self.maxPendingOutput && connection.bufferedInput <= maxBufferedInput
    }

    /// Connections whose reading was paused, to resume once ``mayRead(_:)`` allows it.
    private var paused: [Connection] = []

    /// Resumes the paused connections that may read again (one bounded round of work each per
    /// loop turn, so that no client holds the loop); returns them for flushing.
    private func resumePaused(now: Double) -> [Connection] {
        guard !paused.isEmpty else { return [] }
        let waiting = paused
        paused.removeAll(keepingCapacity: true)
        var resumed: [Connection] = []
        for connection in waiting where connections[connection.fd] === connection && connection.readPaused {
            if connection.awaiting == nil && mayRead(connection) {
                connection.readPaused = false  // off the list: readAndServe lists it again if it pauses
                readAndServe(connection, now: now, peerClosed: false)
                resumed.append(connection)
            } else {
                paused.append(connection)
            }
        }
        return resumed
    }

    /// Whether a paused connection may go on now (the loop then does not sleep).
    private var anyResumable: Bool {
        paused.contains { connections[$0.fd] === $0 && $0.awaiting == nil && mayRead($0) }
    }

    /// Answers every complete request in the connection's buffer, in order, up to one whose
    /// response is made on a worker thread, or until the unsent replies pass their bound.
    private func serveBuffered(_ connection: Connection, now: Double) {
        while !connection.closeAfterWrite, connection.awaiting == nil, connection.bufferedInput > 0,
              connection.pendingOutput <= Self.maxPendingOutput {
            let outcome = connection.input.withUnsafeBufferPointer { all in
                connection.parser.parse(UnsafeBufferPointer(rebasing: all[connection.inputStart...]))
            }
            switch outcome {
            case .needMore:
                compactInput(connection)
                return
            case .failure(let failure):
                let response = HTTPResponse.error(failure.status, code: failure.code, message: failure.message, closeConnection: true)
                respond(connection, response, method: "-", path: "-", requestID: newRequestID(), keepAlive: false,
                        started: connection.requestStarted ?? now)
                return
            case .request(let request, let consumed):
                connection.inputStart += consumed
                let started = monotonicSeconds()
                let requestID = request.header("x-request-id").flatMap { RequestID.accepts($0) ? RequestID.client($0) : nil } ?? newRequestID()
                let response = server.handler(request, RequestContext(worker: index))
                connection.requestStarted = connection.bufferedInput > 0 ? now : nil
                if let work = response.deferredWork {
                    connection.awaiting = (request.method, request.path, requestID, request.keepAlive && !stopping, started)
                    start(work, for: connection)
                    break
                }
                respond(connection, response, method: request.method, path: request.path, requestID: requestID,
                        keepAlive: request.keepAlive && !response.closeConnection && !stopping, started: started)
            }
        }
        compactInput(connection)
    }

    /// Starts the work that makes `connection`'s awaited reply: on a worker thread, or (for
    /// ``HTTPResponse/eventually(_:)``) here on the loop, which that work leaves at once.
    private func start(_ work: HTTPResponse.DeferredWork, for connection: Connection) {
        let target = UncheckedSendable(connection)
        switch work {
        case .anywhere(let make): server.workers.async { [self] in complete(target, make()) }
        case .eventually(let start): start { [self] response in complete(target, response) }
        }
    }

    /// Called on a worker thread with the response it made: queued for the loop, which is woken
    /// unless a wake is pending already (the queue was not empty: the loop takes it whole).
    private func complete(_ connection: UncheckedSendable<Connection>, _ response: HTTPResponse) {
        completionLock.lock()
        let wasEmpty = completions.isEmpty
        completions.append((connection, response))
        completionLock.unlock()
        if wasEmpty { wake() }
    }

    /// Sends the responses worker threads have made (or starts their work, for a reply that is
    /// itself deferred), then serves what the connections buffered meanwhile; returns the
    /// connections to flush. A connection closed in the meantime (its fd perhaps reused) is
    /// skipped, its reply's work not started.
    private func deliverCompletions(now: Double) -> [Connection] {
        completionLock.lock()
        let ready = completions
        completions.removeAll()
        completionLock.unlock()
        var answered: [Connection] = []
        for (target, response) in ready {
            let connection = target.value
            guard connections[connection.fd] === connection, let pending = connection.awaiting else { continue }
            if let work = response.deferredWork {
                // A reply that is deferred again: its work starts on this loop (scoring a lead
                // that another thread read), and the connection goes on waiting.
                start(work, for: connection)
                continue
            }
            connection.awaiting = nil
            respond(connection, response, method: pending.method, path: pending.path, requestID: pending.requestID,
                    keepAlive: pending.keepAlive && !response.closeConnection && !stopping, started: pending.started)
            serveBuffered(connection, now: now)
            answered.append(connection)
        }
        return answered
    }

    /// Serialises `response` with its `X-Request-Id` into the connection's output and writes
    /// its access line. The line names the route template the handler matched (never the raw
    /// path, whose ids would make every line's route different), or `-`.
    private func respond(_ connection: Connection, _ response: HTTPResponse, method: String, path: String, requestID: RequestID,
                         keepAlive: Bool, started: Double) {
        // A reply to HEAD has the headers of GET's, Content-Length included, and no body.
        let includingBody = method != "HEAD"
        requestIDBytes.removeAll(keepingCapacity: true)
        requestID.append(to: &requestIDBytes)
        response.serialise(into: &connection.output, date: httpDate(), keepAlive: keepAlive, includingBody: includingBody, requestID: requestIDBytes)
        if !keepAlive { connection.closeAfterWrite = true }
        let micros = Int((monotonicSeconds() - started) * 1e6)
        if server.configuration.accessLog {
            ServiceLog.appendAccess(server.configuration.log.format, into: &log, time: &logTime, client: connection.client, method: method,
                                    route: response.route ?? "-", status: response.status, bytes: includingBody ? response.body.count : 0,
                                    microseconds: micros, requestID: requestIDBytes)
        }
        server.onResponse?(ResponseRecord(method: method, path: path, status: response.status, microseconds: micros))
    }

    private func compactInput(_ connection: Connection) {
        if connection.inputStart == connection.input.count {
            connection.input.removeAll(keepingCapacity: true)
            connection.inputStart = 0
        } else if connection.inputStart > 0 && connection.inputStart >= connection.input.count / 2 {
            connection.input.removeFirst(connection.inputStart)
            connection.inputStart = 0
        }
    }

    // MARK: Writing

    /// How long a reply may wait for the replies answered after it, in seconds.
    ///
    /// Replies to the requests of one epoll batch go out together: a client that sleeps between
    /// replies is then woken once per group rather than once per reply, and on a busy server
    /// the wake-up (an inter-processor interrupt, a VM exit on a virtual machine) costs more
    /// than sending the reply. The wait is bounded so that slow requests (explanations over
    /// many trees) do not hold up the replies before them.
    static let longestReplyWait = 0.001

    /// Flushes the connections answered so far (those still open) and empties the list.
    private func flush(_ answered: inout [Connection], now: Double) {
        for connection in answered where connections[connection.fd] === connection {
            flush(connection, now: now)
        }
        answered.removeAll(keepingCapacity: true)
    }

    private func flush(_ connection: Connection, now: Double) {
        while connection.hasPendingOutput {
            let n = connection.output.withUnsafeBytes { bytes in
                Glibc.write(connection.fd, bytes.baseAddress! + connection.outputStart, bytes.count - connection.outputStart)
            }
            if n > 0 {
                connection.outputStart += n
                connection.lastActivity = now
                connection.writeStalledSince = nil
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if connection.writeStalledSince == nil { connection.writeStalledSince = now }
                return  // EPOLLOUT (edge-triggered) tells us when to go on
            }
            closeConnection(connection)
            return
        }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 64 * 1024)
        connection.outputStart = 0
        if connection.closeAfterWrite && connection.awaiting == nil { closeConnection(connection) }
    }

    private func closeConnection(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.fd) != nil else { return }
        _ = mlctl_epoll_remove(epoll, connection.fd)
        close(connection.fd)
        server.releaseConnection()
    }

    // MARK: Timeouts

    private func sweepTimeouts(now: Double) {
        let configuration = server.configuration
        for connection in Array(connections.values) where connection.awaiting == nil {
            if let stalled = connection.writeStalledSince, now - stalled > configuration.readTimeout {
                closeConnection(connection)  // the client stopped reading
            } else if connection.parser.isMidRequest(bufferedBytes: connection.bufferedInput), !connection.closeAfterWrite,
                      let started = connection.requestStarted, now - started > configuration.readTimeout {
                let response = HTTPResponse.error(408, code: "request_timeout",
                                                  message: "the request was not received within \(Int(configuration.readTimeout)) s",
                                                  closeConnection: true)
                respond(connection, response, method: "-", path: "-", requestID: newRequestID(), keepAlive: false, started: started)
                flush(connection, now: now)
            } else if !connection.hasPendingOutput, connection.bufferedInput == 0, now - connection.lastActivity > configuration.idleTimeout {
                closeConnection(connection)
            }
        }
        flushLog()
    }

    // MARK: Helpers

    /// The next id this loop makes.
    private func newRequestID() -> RequestID {
        requestsNumbered += 1
        return .generated(loop: index, number: requestsNumbered)
    }

    private func flushLog() {
        guard !log.isEmpty else { return }
        server.configuration.log.write(log)
        log.removeAll(keepingCapacity: true)
    }

    /// The `Date` header value (IMF-fixdate), recomputed once a second.
    private func httpDate() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = Int(now.tv_sec)
        if second != dateCache.second {
            let c = Timestamp.civil(Double(second))
            let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            let text = String(format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", days[c.weekday], c.day, months[c.month - 1], c.year,
                              c.hour, c.minute, Int(c.second))
            dateCache = (second, text)
        }
        return dateCache.text
    }
}
