import Foundation
import Testing
import TestSupport
import RelayApp
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP edge against abusive clients, over real sockets: each refusal answered (or the
/// connection closed) and counted in /metrics. Outcomes only; the timeouts are short so the tests
/// are quick, and every wait is bounded.
@Suite("HTTP edge limits: headers, bodies, slow clients, connection cap")
struct EdgeLimitTests {
    static func gateway(_ configure: @escaping (inout RelayConfiguration) -> Void = { _ in }) async throws -> RunningGateway {
        try await RunningGateway.start {
            $0.http.maxHeaderBytes = 4096
            $0.http.maxBodyBytes = 65_536
            $0.http.idleTimeoutSeconds = 1
            $0.http.bodyTimeoutSeconds = 1
            configure(&$0)
        }
    }

    @Test("a request head larger than maxHeaderBytes is answered 431 and counted")
    func headerTooLarge() async throws {
        let gateway = try await Self.gateway()
        let connection = try RawConnection(port: gateway.httpPort)
        defer { connection.close() }
        try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: \(String(repeating: "a", count: 8192))\r\n\r\n")
        let reply = await connection.readUntilClosed()
        #expect(reply.hasPrefix("HTTP/1.1 431"), "\(reply.prefix(80))")
        #expect(try await gateway.metric("fieldrelay_http_requests_refused_total{reason=\"header_too_large\"}") == 1)
        await gateway.stop()
    }

    @Test("a declared body larger than maxBodyBytes is answered 413 before it is read, and counted")
    func declaredBodyTooLarge() async throws {
        let gateway = try await Self.gateway()
        let connection = try RawConnection(port: gateway.httpPort)
        defer { connection.close() }
        try connection.send("POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{")
        let reply = await connection.readUntilClosed()
        #expect(reply.hasPrefix("HTTP/1.1 413"), "\(reply.prefix(80))")
        #expect(try await gateway.metric("fieldrelay_http_requests_refused_total{reason=\"body_too_large\"}") == 1)
        await gateway.stop()
    }

    @Test("a chunked body streamed past maxBodyBytes is cut off and counted")
    func streamedBodyTooLarge() async throws {
        let gateway = try await Self.gateway()
        let connection = try RawConnection(port: gateway.httpPort)
        defer { connection.close() }
        try connection.send("POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = "4000\r\n" + String(repeating: "x", count: 0x4000) + "\r\n"
        for _ in 0..<8 {
            guard (try? connection.send(chunk)) != nil else { break }
        }
        _ = await connection.readUntilClosed()
        #expect(try await gateway.metric("fieldrelay_http_requests_refused_total{reason=\"body_too_large\"}") == 1)
        await gateway.stop()
    }

    @Test("a client that dribbles its request head, or never finishes its body, is closed and counted")
    func slowClients() async throws {
        let gateway = try await Self.gateway()
        let slowHead = try RawConnection(port: gateway.httpPort)
        defer { slowHead.close() }
        try slowHead.send("GET /healthz HTTP/1.1\r\nHo")
        let slowBody = try RawConnection(port: gateway.httpPort)
        defer { slowBody.close() }
        try slowBody.send("POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
        // Closed by the server: the read ends (EOF) well before the client's own bound.
        #expect(await slowHead.readUntilClosed(limit: .seconds(20)).isEmpty)
        #expect(slowHead.closedByPeer)
        _ = await slowBody.readUntilClosed(limit: .seconds(20))
        #expect(slowBody.closedByPeer)
        #expect(try await gateway.metric("fieldrelay_http_connections_closed_total{reason=\"idle_timeout\"}") ?? 0 >= 1)
        #expect(try await gateway.metric("fieldrelay_http_connections_closed_total{reason=\"body_timeout\"}") == 1)
        // The server still answers.
        #expect(try await HTTPClient.get("\(gateway.baseURL)/healthz").status == 200)
        await gateway.stop()
    }

    @Test("at maxConnections a new connection takes the place of the longest-idle one")
    func idleConnectionEvicted() async throws {
        let gateway = try await Self.gateway { $0.http.maxConnections = 3; $0.http.idleTimeoutSeconds = 60 }
        let idle = try (0..<3).map { _ in try RawConnection(port: gateway.httpPort) }
        defer { idle.forEach { $0.close() } }
        // Let the server register the three before the fourth arrives.
        try await Task.sleep(for: .milliseconds(300))
        let fresh = try RawConnection(port: gateway.httpPort)
        defer { fresh.close() }
        try fresh.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(await fresh.readUntilClosed().hasPrefix("HTTP/1.1 200"))
        // Exactly one of the three idle connections made room (the one the server saw first).
        var closed = 0
        for connection in idle {
            _ = await connection.readUntilClosed(limit: .seconds(2))
            if connection.closedByPeer { closed += 1 }
        }
        #expect(closed == 1)
        let evicted = try await gateway.metric("fieldrelay_http_connections_closed_total{reason=\"evicted_idle\"}")
        #expect(evicted ?? 0 >= 1)
        await gateway.stop()
    }
}

/// A blocking loopback TCP client with bounded reads, for requests no HTTP library would send.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32
    private(set) var closedByPeer = false

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect: \(errno)") }
        var noSignal: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &noSignal, socklen_t(MemoryLayout<Int32>.size))
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestFailure("send: \(errno)") }
            offset += sent
        }
    }

    /// Reads until the server closes (or resets) the connection, or `limit` passes. The blocking
    /// reads run on a thread of their own, not on the concurrency pool the gateway under test uses.
    func readUntilClosed(limit: Duration = .seconds(10)) async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.blockingRead(limit: limit)) }.start()
        }
    }

    private func blockingRead(limit: Duration) -> String {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closedByPeer = true
                break
            }
        }
        return String(decoding: received, as: UTF8.self)
    }

    private var closed = false

    /// Closes once; later calls do nothing (a second close could hit a descriptor since reused).
    func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }
}
