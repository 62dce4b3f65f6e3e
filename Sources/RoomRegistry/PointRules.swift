import Foundation
import PathRules

/// The checks of a point's fields, each refusal naming its field as the REST body spells it
/// (`areaCode`, `source.url`); CSV import maps the names to its columns. No message repeats a
/// URL or a password: a refused URL may carry credentials.
enum PointRules {
    static let maximumNameLength = 100
    static let maximumURLLength = 1024

    static func invalid(_ field: String, _ message: String) -> RegistryError {
        RegistryError(.invalid, message, field: field)
    }

    static func checkID(_ id: String) throws {
        do {
            try IdentifierRule.pointID.check(id)
        } catch {
            throw invalid("id", error.message)
        }
    }

    static func name(_ text: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= maximumNameLength,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid("name", "a point name needs 1 to \(maximumNameLength) characters without control characters")
        }
        return name
    }

    static func network(_ text: String) throws -> PointNetwork {
        guard let network = PointNetwork(rawValue: text) else {
            throw invalid("network", "'\(TextExcerpt.printable(text, 20))' is not a network (\(PointNetwork.names))")
        }
        return network
    }

    /// Syntax only: 6, 9 or 12 digits. Whether the area exists (and is not the city) is the
    /// database's to say (`Registry.requirePointArea`).
    static func areaCodeSyntax(_ code: String) throws -> String {
        guard AreaCode.isDigits(code), [6, 9, 12].contains(code.utf8.count) else {
            throw invalid("areaCode", "a point's area is a county (6 digits), township (9) or village (12) code, not '\(TextExcerpt.printable(code, 20))'")
        }
        return code
    }

    static func latitude(_ value: Double) throws -> Double {
        guard value.isFinite, (-90...90).contains(value) else {
            throw invalid("latitude", "latitude must be a WGS-84 degree value from -90 to 90")
        }
        return value
    }

    static func longitude(_ value: Double) throws -> Double {
        guard value.isFinite, (-180...180).contains(value) else {
            throw invalid("longitude", "longitude must be a WGS-84 degree value from -180 to 180")
        }
        return value
    }

    static func sourceKind(_ text: String?) throws -> PointSourceKind {
        guard let text, !text.isEmpty else { return .rtsp }
        guard let kind = PointSourceKind(rawValue: text) else {
            throw invalid("source.kind", "'\(TextExcerpt.printable(text, 20))' is not a source kind (\(PointSourceKind.names))")
        }
        return kind
    }

    static func transport(_ text: String?) throws -> PointTransport {
        guard let text, !text.isEmpty else { return .tcp }
        guard let transport = PointTransport(rawValue: text) else {
            throw invalid("source.transport", "'\(TextExcerpt.printable(text, 20))' is not a transport (\(PointTransport.names))")
        }
        return transport
    }

    /// `rtsp://` or `rtsps://`, a host, an optional port, no credentials, printable ASCII only.
    /// Returns the URL with its scheme in lower case.
    static func url(_ text: String) throws -> String {
        let field = "source.url"
        let url = text.trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty else { throw invalid(field, "a point needs an rtsp:// or rtsps:// URL") }
        guard url.utf8.count <= maximumURLLength else { throw invalid(field, "the URL is longer than \(maximumURLLength) characters") }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw invalid(field, "the URL has spaces, control or non-ASCII characters; percent-encode them")
        }
        guard let separator = url.range(of: "://") else {
            throw invalid(field, "the URL must start with rtsp:// or rtsps://")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "rtsp" || scheme == "rtsps" else {
            let shown = scheme.count <= 16 && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
                ? ", not \(scheme)://" : ""
            throw invalid(field, "the URL must be rtsp:// or rtsps://\(shown)")
        }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // Checked before any parsing, and never echoed: the text may hold a password.
        guard !authority.contains("@") else {
            throw invalid(field, "the URL must not carry credentials (user:password@); give them as source.username and "
                          + "source.password, which are stored encrypted and never shown")
        }
        let normalised = scheme + "://" + rest
        guard let components = URLComponents(string: normalised), let host = components.host, !host.isEmpty else {
            throw invalid(field, "the URL is not a valid rtsp URL with a host")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw invalid(field, "the URL's port must be from 1 to 65535")
        }
        return normalised
    }

    /// An empty username means none. Usernames and passwords go into RTSP headers: no control characters.
    static func credentials(_ credentials: PointCredentials) throws -> PointCredentials? {
        guard !credentials.username.isEmpty else { return nil }
        guard credentials.username.count <= PointCredentials.maximumUsernameLength,
              !credentials.username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid("source.username", "a username has 1 to \(PointCredentials.maximumUsernameLength) characters without control characters")
        }
        try password(credentials.password)
        return credentials
    }

    static func password(_ password: String) throws {
        guard password.count <= PointCredentials.maximumPasswordLength,
              !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid("source.password", "a password has at most \(PointCredentials.maximumPasswordLength) characters, without control characters")
        }
    }
}

/// Printable excerpts of user text for messages.
enum TextExcerpt {
    static func printable(_ text: String, _ maximum: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(maximum).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}
