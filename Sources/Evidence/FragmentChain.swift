import Crypto
import Foundation

/// A file's hash chain: `head₀ = SHA-256("fieldrelay-recording-v1" ‖ init hash)`,
/// `headₙ = SHA-256(headₙ₋₁ ‖ fragment hashₙ)`. The head at seal time goes into the ledger and the
/// signed seal, so an index edited to match an altered fragment no longer reproduces the sealed head.
/// In Evidence because `fieldrelay evidence verify` recomputes it from a package alone.
public struct FragmentChain: Sendable, Equatable {
    public private(set) var head: Data
    public private(set) var count: Int = 0

    public init(initHash: Data) {
        var hasher = SHA256()
        hasher.update(data: Data("fieldrelay-recording-v1".utf8))
        hasher.update(data: initHash)
        head = Data(hasher.finalize())
    }

    public mutating func append(_ fragmentHash: Data) {
        var hasher = SHA256()
        hasher.update(data: head)
        hasher.update(data: fragmentHash)
        head = Data(hasher.finalize())
        count += 1
    }

    public static func hash<Bytes: DataProtocol>(_ bytes: Bytes) -> Data {
        Data(SHA256.hash(data: bytes))
    }

    public static func head(initHash: Data, fragments: [Data]) -> Data {
        var chain = FragmentChain(initHash: initHash)
        for fragment in fragments { chain.append(fragment) }
        return chain.head
    }
}
