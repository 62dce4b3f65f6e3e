import Foundation
import RoomRegistry

/// What an installer types into a device: `{srtUrl, streamId, passphrase, keyCreatedAt}` (plus
/// `sourcePath`). `srtUrl` is the whole thing as one URL for devices that take one.
struct ProvisioningResponse: Encodable, Sendable {
    var sourcePath: String
    var srtUrl: String
    var streamId: String
    var passphrase: String
    var keyCreatedAt: Date

    init(_ provisioning: Provisioning, host: String, srtPort: Int) {
        sourcePath = provisioning.sourcePath
        streamId = provisioning.streamId
        passphrase = provisioning.passphrase
        keyCreatedAt = provisioning.keyCreatedAt
        // The stream id holds `#`, `!`, `:`, `=`, `/` and `,`, which are URL delimiters: encoded,
        // it survives any client's URL parser (the server accepts encoded and raw stream ids).
        // Passphrases are [A-Za-z0-9] by construction; encoding them too costs nothing.
        srtUrl = "srt://\(host):\(srtPort)?streamid=\(Self.encode(provisioning.streamId))"
            + "&passphrase=\(Self.encode(provisioning.passphrase))&pbkeylen=16"
    }

    /// RFC 3986 §2.3 unreserved characters stay; everything else is percent-encoded.
    static func encode(_ value: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// The host devices should dial: the configured public host, or else the host the HTTP
    /// request was addressed to (its Host header / `:authority`) without the HTTP port, since the
    /// SRT port is a different one. Nil when neither gives a usable host name.
    static func srtHost(publicHost: String, authority: String?) -> String? {
        let configured = publicHost.trimmingCharacters(in: .whitespaces)
        if !configured.isEmpty {
            // A bare IPv6 address needs brackets inside a URL (RFC 3986 §3.2.2).
            if configured.contains(":"), !configured.hasPrefix("[") { return "[\(configured)]" }
            return configured
        }
        guard let authority, !authority.isEmpty else { return nil }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
        } else {
            host = authority[...]
        }
        // The Host header is the client's text: only host-name and IP-literal characters go into
        // a URL we hand back, so a crafted header cannot add query parameters to it.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.[]:")
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ allowed.contains($0) }) else { return nil }
        return String(host)
    }
}
