import Foundation

/// Synthetic surveillance points over the demo registry (`fieldrelay registry seed-demo --points N`):
/// deterministic, flagged synthetic, without credentials. About 70 % are registered to a village,
/// 25 % to a township, 5 % to a county; each sits within about 3 km of its village's room. The
/// networks are mixed (天网 40 %, 雪亮 35 %, 智慧乡村 20 %, other 5 %). Ids are 20 digits in the
/// GB/T 28181 shape (county code, `00`, industry `00`, type `132` IP camera, a 7-digit serial) and
/// the URLs point at distinct paths on 127.0.0.1, where nothing answers unless a test serves them.
enum DemoPoints {
    static let maximumCount = 1_000_000
    /// The fixed seed: changing it changes every demo point.
    static let seed: UInt64 = 0x5206_0010_8000_0015

    static func generate(count: Int, snapshot: RegistrySnapshot = DemoRegistry.generate()) -> [ValidPoint] {
        var rng = SeededGenerator(seed: seed)
        var names: [String: String] = [:]
        for area in snapshot.areas { names[area.code] = area.name }
        let rooms = snapshot.rooms.sorted { $0.code < $1.code }
        guard !rooms.isEmpty else { return [] }
        var points: [ValidPoint] = []
        points.reserveCapacity(count)
        for index in 0..<count {
            let room = rooms[rng.next(below: rooms.count)]
            let level = rng.next(below: 100)
            let areaCode = level < 70 ? room.code : level < 95 ? room.townshipCode : room.countyCode
            let roll = rng.next(below: 100)
            let network: PointNetwork = roll < 40 ? .skynet : roll < 75 ? .sharpEyes : roll < 95 ? .smartVillage : .other
            let serial = String(index + 1)
            let id = room.countyCode + "0000132" + String(repeating: "0", count: max(0, 7 - serial.count)) + serial
            let latitude = clamp(room.latitude + (rng.unit() * 2 - 1) * 0.027, to: DemoRegistry.latitudeRange)
            let longitude = clamp(room.longitude + (rng.unit() * 2 - 1) * 0.03, to: DemoRegistry.longitudeRange)
            let place = names[areaCode] ?? areaCode
            points.append(ValidPoint(
                id: id, name: "\(place)\(label(network))监控\(serial.suffix(4))", network: network, areaCode: areaCode,
                latitude: latitude, longitude: longitude, sourceKind: .rtsp,
                url: "rtsp://127.0.0.1:8554/demo/\(id)", transport: .tcp, credentials: nil, enabled: true, synthetic: true))
        }
        return points
    }

    static func label(_ network: PointNetwork) -> String {
        switch network {
        case .skynet: "天网"
        case .sharpEyes: "雪亮"
        case .smartVillage: "智慧乡村"
        case .other: "其他"
        }
    }

    /// Six decimals (about 0.1 m), as the CSV writes them, so exports round-trip exactly.
    private static func clamp(_ value: Double, to range: ClosedRange<Double>) -> Double {
        (min(max(value, range.lowerBound), range.upperBound) * 1e6).rounded() / 1e6
    }
}
