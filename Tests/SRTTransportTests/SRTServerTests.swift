import Logging
import Testing
@testable import SRTTransport

@Suite("SRT listener lifecycle")
struct SRTServerTests {
    struct RefuseAll: SRTAdmission {
        func admit(_ handshake: SRTHandshake) -> SRTAdmissionDecision { .reject(.forbidden, reason: "test") }
        func accepted(_ connection: SRTConnection) -> (any SRTConnectionHandler)? { nil }
    }

    @Test("binds a free port, refuses a second bind of the same port by name, shuts down cleanly")
    func bindAndShutdown() throws {
        let logger = Logger(label: "test")
        let first = SRTServer(configuration: SRTServerConfiguration(host: "127.0.0.1", port: 0), admission: RefuseAll(), logger: logger)
        try first.start()
        let port = try #require(first.boundPort)
        #expect(port > 0)
        let second = SRTServer(configuration: SRTServerConfiguration(host: "127.0.0.1", port: port), admission: RefuseAll(), logger: logger)
        do {
            try second.start()
            Issue.record("a second listener bound the same port")
        } catch {
            #expect(error.code == .bind || error.code == .listen)
            #expect(error.message.contains("\(port)"))
        }
        first.shutdown()
        first.shutdown()  // idempotent
        // The port is free again.
        let third = SRTServer(configuration: SRTServerConfiguration(host: "127.0.0.1", port: port), admission: RefuseAll(), logger: logger)
        try third.start()
        third.shutdown()
    }

    @Test("a host that is not an IPv4 address is refused with the reason")
    func badHost() {
        let server = SRTServer(configuration: SRTServerConfiguration(host: "not-an-address", port: 0), admission: RefuseAll(), logger: Logger(label: "test"))
        #expect(throws: SRTError.self) { try server.start() }
    }

    @Test("peer addresses and stream ids are printed safely")
    func printable() {
        #expect(SRTServer.printable("lab/cam\u{1}") == "lab/cam\\u{1}")
        #expect(SRTServer.printable(String(repeating: "x", count: 300)).count == 201)
        #expect(SRTServer.describe(nil) == "?")
    }
}
