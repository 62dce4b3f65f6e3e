import Foundation
import Testing
import TestSupport
import RelayApp
import RelayAPI

/// HTTPS connections against `http.maxConnections`, over real sockets with real TLS clients:
/// `openssl s_client` holding an idle TLS connection, `curl` (HTTP/2 or HTTP/1.1 over TLS) holding a
/// request in progress by uploading its body from a pipe the test keeps open. Plain and TLS
/// connections share the one limit. Every wait is bounded; the server's gauges (read in process)
/// only tell the test when the server has seen what the clients did.
@Suite("HTTPS connections count against http.maxConnections")
struct HTTPSConnectionLimitTests {
    @Test("HTTPS connections appear in the connections-active gauge and leave it when they close")
    func gauge() async throws {
        let (gateway, tlsPort) = try await Self.gateway(maxConnections: 100)
        let before = try await Self.metrics(port: gateway.httpPort)["fieldrelay_http_connections_active"]
        #expect(before == 1)  // the /metrics request's own connection
        try await Self.eventually("the /metrics connection gone") { gateway.active == 0 }
        let idle = try (0..<2).map { _ in try HeldClient.idleTLS(port: tlsPort) }
        let busy = try HeldClient.upload(port: tlsPort, http2: true, token: gateway.adminToken)
        defer { (idle + [busy]).forEach { $0.stop() } }
        try await Self.eventually("3 HTTPS connections open, 1 busy") {
            gateway.active == 3 && gateway.busy == 1
        }
        let during = try await Self.metrics(port: gateway.httpPort)
        #expect(during["fieldrelay_http_connections_active"] == 4)
        #expect(during["fieldrelay_http_connections_busy"] == 2)
        busy.finishUpload()
        let answered = await busy.result()
        #expect(answered == "2 422")
        idle.forEach { $0.stop() }
        try await Self.eventually("the HTTPS connections gone") { gateway.active == 0 }
        #expect(try await Self.metrics(port: gateway.httpPort)["fieldrelay_http_connections_active"] == 1)
        await gateway.stop()
    }

    @Test("at the limit a new connection evicts the one idle longest, plain or TLS")
    func idleEvicted() async throws {
        let (gateway, tlsPort) = try await Self.gateway(maxConnections: 4)
        // Opened one at a time, so the server sees them in this order: the TLS one is idle longest.
        let oldest = try HeldClient.idleTLS(port: tlsPort)
        defer { oldest.stop() }
        try await Self.eventually("the TLS connection open") { gateway.active == 1 }
        var plain: [RawConnection] = []
        defer { plain.forEach { $0.close() } }
        for count in 2...3 {
            plain.append(try RawConnection(port: gateway.httpPort))
            try await Self.eventually("\(count) connections open") { gateway.active == count }
        }
        let secondTLS = try HeldClient.idleTLS(port: tlsPort)
        defer { secondTLS.stop() }
        try await Self.eventually("4 connections open") { gateway.active == 4 }

        // A fifth, over TLS, is answered; the oldest idle connection made room.
        let (status, output, errors) = try await Subprocess.run("curl", [
            "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "https://127.0.0.1:\(tlsPort)/healthz"])
        #expect(status == 0, "\(errors)")
        #expect(output == "2 200")
        #expect(await oldest.exited(within: .seconds(10)), "the TLS connection idle longest was not closed")
        // The others were not touched.
        #expect(secondTLS.isRunning)
        for connection in plain {
            _ = await connection.readUntilClosed(limit: .seconds(1))
            #expect(!connection.closedByPeer)
        }
        try await Self.eventually("the fifth connection gone") { gateway.active == 3 }
        let counted = try await Self.metrics(port: gateway.httpPort)
        #expect(counted["fieldrelay_http_connections_closed_total{reason=\"evicted_idle\"}"] == 1)
        #expect(counted["fieldrelay_http_connections_refused_total{reason=\"limit\"}"] == 0)
        secondTLS.stop()
        plain.forEach { $0.close() }
        await gateway.stop()
    }

    @Test("with every connection busy (plain and TLS, HTTP/2 and HTTP/1.1) a new one is refused on either port and counted")
    func refusedWhenAllBusy() async throws {
        let (gateway, tlsPort) = try await Self.gateway(maxConnections: 4)
        let plainBusy = try (0..<2).map { _ in try RawConnection(port: gateway.httpPort) }
        defer { plainBusy.forEach { $0.close() } }
        for connection in plainBusy {
            try connection.send(Self.partialPost(token: gateway.adminToken))
        }
        let http2 = try HeldClient.upload(port: tlsPort, http2: true, token: gateway.adminToken)
        let http11 = try HeldClient.upload(port: tlsPort, http2: false, token: gateway.adminToken)
        defer { http2.stop(); http11.stop() }
        try await Self.eventually("4 connections open, all busy") { gateway.active == 4 && gateway.busy == 4 }

        // A fifth plain connection: closed without an answer.
        let refusedPlain = try RawConnection(port: gateway.httpPort)
        defer { refusedPlain.close() }
        try? refusedPlain.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await refusedPlain.readUntilClosed().isEmpty)
        #expect(refusedPlain.closedByPeer)
        // A fifth over TLS: closed before the handshake, so curl gets no answer.
        let (status, output, _) = try await Subprocess.run("curl", [
            "-sk", "--http2", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(tlsPort)/healthz"])
        #expect(status != 0)
        #expect(output == "000")
        #expect(gateway.application.edgeCounters.connectionsRefused.load(ordering: .relaxed) == 2)

        // Every busy connection is still there; one plain client gives up, and /metrics (now able to
        // connect) shows the two refusals.
        #expect(http2.isRunning && http11.isRunning)
        plainBusy[0].close()
        try await Self.eventually("a slot free") { gateway.active == 3 }
        let counted = try await Self.metrics(port: gateway.httpPort)
        #expect(counted["fieldrelay_http_connections_refused_total{reason=\"limit\"}"] == 2)
        #expect(counted["fieldrelay_http_connections_closed_total{reason=\"evicted_idle\"}"] == 0)
        // The TLS requests in progress complete on their connections (the empty body is refused by the route, 422).
        http2.finishUpload()
        http11.finishUpload()
        let (answered2, answered11) = (await http2.result(), await http11.result())
        #expect(answered2 == "2 422")
        #expect(answered11 == "1.1 422")
        await gateway.stop()
    }

    @Test("a TLS connection with an HTTP/2 request in progress is never evicted, though it is the oldest")
    func busyHTTP2NotEvicted() async throws {
        let (gateway, tlsPort) = try await Self.gateway(maxConnections: 3)
        let upload = try HeldClient.upload(port: tlsPort, http2: true, token: gateway.adminToken)
        defer { upload.stop() }
        try await Self.eventually("the HTTP/2 request in progress") { gateway.active == 1 && gateway.busy == 1 }
        var idle: [RawConnection] = []
        defer { idle.forEach { $0.close() } }
        for count in 2...3 {
            idle.append(try RawConnection(port: gateway.httpPort))
            try await Self.eventually("\(count) connections open") { gateway.active == count }
        }
        // Three newcomers at the limit, each held open: every one takes an idle connection's place.
        var newcomers: [RawConnection] = []
        defer { newcomers.forEach { $0.close() } }
        for evictions in 1...3 {
            newcomers.append(try RawConnection(port: gateway.httpPort))
            try await Self.eventually("\(evictions) evicted") {
                gateway.application.edgeCounters.idleEvicted.load(ordering: .relaxed) == evictions
            }
        }
        #expect(gateway.active == 3)
        #expect(upload.isRunning)
        for connection in idle {
            _ = await connection.readUntilClosed(limit: .seconds(5))
            #expect(connection.closedByPeer)
        }
        upload.finishUpload()
        let answered = await upload.result()
        #expect(answered == "2 422")
        #expect(gateway.application.edgeCounters.connectionsRefused.load(ordering: .relaxed) == 0)
        await gateway.stop()
    }

    @Test("an idle TLS client that never answers close_notify does not hold up the drain at shutdown")
    func idleTLSClientAtShutdown() async throws {
        // NIOSSL waited 5 s for the client's close_notify, longer than the 4 s drain: the service
        // group's cancellation timeout then stopped the whole process (a fatal error, not a test failure).
        let (gateway, tlsPort) = try await Self.gateway(maxConnections: 100)
        let idle = try HeldClient.idleTLS(port: tlsPort)
        defer { idle.stop() }
        try await Self.eventually("the TLS connection open") { gateway.active == 1 }
        await gateway.stop()
        #expect(await idle.exited(within: .seconds(10)))
    }

    @Test("an idle HTTP/1.1-over-TLS connection is closed after http.idleTimeoutSeconds like a plain one; an HTTP/2 request in progress is not")
    func idleTLSTimesOut() async throws {
        let (gateway, tlsPort) = try await Self.gateway(maxConnections: 100, idleTimeoutSeconds: 2)
        let idle = try HeldClient.idleTLS(port: tlsPort)
        defer { idle.stop() }
        let busy = try HeldClient.upload(port: tlsPort, http2: true, token: gateway.adminToken)
        defer { busy.stop() }
        #expect(await idle.exited(within: .seconds(20)), "the server should have closed the idle TLS connection")
        // The HTTP/2 request has been in progress for longer than the idle timeout; it still completes.
        busy.finishUpload()
        #expect(await busy.result() == "2 422")
        #expect((try await Self.metrics(port: gateway.httpPort))["fieldrelay_http_connections_closed_total{reason=\"idle_timeout\"}"] ?? 0 >= 1)
        await gateway.stop()
    }

    // MARK: - Helpers

    /// A gateway with HTTPS on, long timeouts (nothing here is closed for idling) and the given cap.
    static func gateway(maxConnections: Int, idleTimeoutSeconds: Double = 60) async throws -> (RunningGateway, Int) {
        let (certificate, key) = try await TestCertificate.make()
        let gateway = try await RunningGateway.start {
            $0.http.tls.certificateFile = certificate
            $0.http.tls.keyFile = key
            $0.http.tls.port = 0
            $0.http.maxConnections = maxConnections
            $0.http.idleTimeoutSeconds = idleTimeoutSeconds
            $0.http.bodyTimeoutSeconds = 60
        }
        try await eventually("the HTTPS server listening") { gateway.application.httpsPort != nil }
        return (gateway, gateway.application.httpsPort ?? 0)
    }

    /// A device registration whose JSON body never finishes: the route waits for it, so the request
    /// stays in progress.
    static func partialPost(token: String) -> String {
        "POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100\r\n\r\n{\"id\":"
    }

    /// /metrics as sample (name with labels, as rendered) to value, fetched on a connection of its
    /// own that the server closes after answering; the fetch itself is one open, busy connection
    /// while /metrics is rendered. One fetch per check: a second one could arrive before the server
    /// has let the first go, and at the limit evict it.
    static func metrics(port: Int) async throws -> [String: Double] {
        let connection = try RawConnection(port: port)
        defer { connection.close() }
        try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let reply = await connection.readUntilClosed()
        guard reply.hasPrefix("HTTP/1.1 200") else { throw TestFailure("/metrics: \(reply.prefix(80))") }
        var samples: [String: Double] = [:]
        for line in reply.split(separator: "\n") where line.hasPrefix("fieldrelay_") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = Double(line[line.index(after: space)...].trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return samples
    }

    static func eventually(_ what: String, within limit: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("not within \(limit): \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension RunningGateway {
    /// The edge's gauges, read in process (both ports).
    var active: Int { application.edgeCounters.connectionsActive.load(ordering: .relaxed) }
    var busy: Int { application.edgeCounters.connectionsBusy.load(ordering: .relaxed) }
}

/// A TLS client process that keeps its connection until told otherwise, its standard input a pipe
/// the test holds.
final class HeldClient: Sendable {
    private let process: Subprocess
    private let input: Pipe

    private init(_ executable: String, _ arguments: [String]) throws {
        input = Pipe()
        process = try Subprocess(executable, arguments, stdin: input.fileHandleForReading)
    }

    /// An idle HTTP/1.1-over-TLS connection: the handshake, then nothing.
    static func idleTLS(port: Int) throws -> HeldClient {
        try HeldClient("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-alpn", "http/1.1", "-quiet"])
    }

    /// A request in progress: curl uploads a device registration's body from the pipe, so the
    /// request lasts until `finishUpload()`. Prints "<http version> <status>" when answered.
    static func upload(port: Int, http2: Bool, token: String) throws -> HeldClient {
        try HeldClient("curl", [
            "-sk", http2 ? "--http2" : "--http1.1", "--max-time", "60", "-X", "POST", "-T", "-",
            "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json", "-H", "Expect:",
            "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "https://127.0.0.1:\(port)/api/v1/devices"])
    }

    var isRunning: Bool { process.isRunning }

    /// Ends the upload (end of the request body).
    func finishUpload() { try? input.fileHandleForWriting.close() }

    /// What curl printed once it exited (bounded).
    func result() async -> String {
        let status = await process.wait(timeout: .seconds(30))
        let output = process.standardOutput
        return status == 0 ? output : "\(output) (exit \(status): \(process.standardError))"
    }

    /// Whether the process ended (the server closed its connection) within `limit`.
    func exited(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !process.isRunning
    }

    func stop() {
        finishUpload()
        process.terminate()
    }
}
