// libFuzzer target: the SRT stream id parser and the path-name rules it feeds, on arbitrary bytes.
// Built by scripts/faults/fuzz.sh (Tests/Fuzz/Package.swift) against SRTTransport and StreamHub.

import SRTTransport
import StreamHub

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let id = try? StreamID.parse(text) {
        // Whatever parses must name a resource and survive the path rules without a crash.
        precondition(!id.resource.isEmpty)
        _ = try? PathName(id.resource)
    }
    _ = StreamID.percentDecode(text)
    return 0
}
