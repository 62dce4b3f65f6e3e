import Foundation
import Testing
import TestSupport
import RelayApp

@Suite("HTTPS with HTTP/2 for video walls")
struct HTTP2Tests {
    @Test("with a certificate configured, HTTPS answers over HTTP/2 (ALPN h2) and plain HTTP stays HTTP/1.1")
    func http2() async throws {
        let (certificate, key) = try await TestCertificate.make()
        let gateway = try await RunningGateway.start {
            $0.http.tls.certificateFile = certificate
            $0.http.tls.keyFile = key
            $0.http.tls.port = 0
        }
        var port = gateway.application.httpsPort
        let deadline = ContinuousClock.now + .seconds(10)
        while port == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            port = gateway.application.httpsPort
        }
        let tlsPort = try #require(port)
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, streamID: "lab/wall", loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist("lab/wall", file: "ll.m3u8") { $0.contains("#EXT-X-PART:") }

        let (status, output, curlErrors) = try await Subprocess.run("curl", [
            "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
            "https://127.0.0.1:\(tlsPort)/hls/lab/wall/ll.m3u8"])
        #expect(status == 0, "\(curlErrors)")
        #expect(output == "2 200")
        let (_, plain, _) = try await Subprocess.run("curl", [
            "-s", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "\(gateway.baseURL)/healthz"])
        #expect(plain == "1.1 200")
        await gateway.stop()
    }

    @Test("a certificate without a key is refused at start, naming the key")
    func halfConfigured() async throws {
        var configuration = RelayConfiguration()
        configuration.http.tls.certificateFile = "/tmp/cert.pem"
        #expect(throws: RelayAppError.self) { try configuration.validate() }
    }
}
