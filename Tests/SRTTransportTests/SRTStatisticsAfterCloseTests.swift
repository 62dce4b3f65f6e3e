import Foundation
import Logging
import Synchronization
import Testing
@testable import SRTTransport

/// A connection's libsrt figures stay readable after the receive loop closed its socket, so the
/// gateway can log a publisher's whole-connection receiver figures when it disconnects.
@Suite("SRT link statistics after close")
struct SRTStatisticsAfterCloseTests {
    final class Handler: SRTConnectionHandler {
        let connection: SRTConnection
        let received = Atomic<Int>(0)
        let afterClose = Mutex<SRTLinkStatistics?>(nil)
        let closedOnce = Atomic<Bool>(false)
        init(_ connection: SRTConnection) { self.connection = connection }
        func received(_ bytes: UnsafeRawBufferPointer) { received.add(bytes.count, ordering: .relaxed) }
        func closed(_ reason: SRTCloseReason) {
            afterClose.withLock { $0 = connection.statistics() }
            closedOnce.store(true, ordering: .relaxed)
        }
    }

    final class AcceptAll: SRTAdmission {
        let handler = Mutex<Handler?>(nil)
        func admit(_ handshake: SRTHandshake) -> SRTAdmissionDecision { .accept(passphrase: nil) }
        func accepted(_ connection: SRTConnection) -> (any SRTConnectionHandler)? {
            let made = Handler(connection)
            handler.withLock { $0 = made }
            return made
        }
    }

    @Test("statistics() read in the close handler returns the figures taken just before srt_close")
    func statisticsInCloseHandler() async throws {
        let logger = Logger(label: "test")
        let admission = AcceptAll()
        let server = SRTServer(configuration: SRTServerConfiguration(host: "127.0.0.1", port: 0), admission: admission, logger: logger)
        try server.start()
        defer { server.shutdown() }
        let port = try #require(server.boundPort)
        let group = try SRTCallerGroup(remoteHost: "127.0.0.1", logger: logger)
        let caller = try group.connect(port: port, SRTCallerConfiguration(streamID: "lab/stats"))
        let message = [UInt8](repeating: 0x47, count: 1316)
        var sent = 0
        for _ in 0..<400 where sent < 50 {
            if caller.state == .connected {
                if message.withUnsafeBytes({ caller.send($0) }) == .sent { sent += 1 }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sent == 50)
        let handler = try #require(admission.handler.withLock { $0 })
        for _ in 0..<300 where handler.received.load(ordering: .relaxed) < 50 * 1316 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let receivedBytes = handler.received.load(ordering: .relaxed)
        #expect(receivedBytes == 50 * 1316)
        handler.connection.close(reason: "test")
        for _ in 0..<300 where !handler.closedOnce.load(ordering: .relaxed) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let closed = handler.closedOnce.load(ordering: .relaxed)
        #expect(closed)
        let figures = try #require(handler.afterClose.withLock { $0 }, "no statistics after close")
        #expect(figures.packetsReceived >= 50)
        #expect(figures.packetsDropped == 0)
        caller.close()
    }
}
