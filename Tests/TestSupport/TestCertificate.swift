import Foundation

/// A self-signed certificate for 127.0.0.1 made with the real `openssl`, for HTTPS tests.
public enum TestCertificate {
    /// Paths of a new certificate and its private key (PEM), valid for a day.
    public static func make() async throws -> (certificate: String, key: String) {
        let directory = Clips.directory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let (made, _, errors) = try await Subprocess.run("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate])
        guard made == 0 else { throw TestFailure("openssl: \(errors)") }
        return (certificate, key)
    }
}
