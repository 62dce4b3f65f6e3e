/// The Tongren demo registry: the real city and its 10 real counties, with made-up (synthetic)
/// townships, villages, rooms and body cameras. The structure is deterministic: every run produces
/// the same codes, names and coordinates. Keys are not part of it (they are random, made when the
/// snapshot is written).
public enum DemoRegistry {
    public static let cityCode = "520600"
    public static let cityName = "铜仁市"
    public static let townshipCount = 181
    public static let roomCount = 2_911
    public static let departments: [(suffix: String, name: String)] = [
        ("water", "铜仁市水务局"),
        ("forestry", "铜仁市林业局"),
        ("fire", "铜仁市消防救援支队"),
        ("natural-resources", "铜仁市自然资源局"),
    ]

    /// Tongren's real extent, roughly; every generated coordinate falls inside it.
    public static let latitudeRange = 27.07...29.08
    public static let longitudeRange = 107.75...109.50

    struct County {
        var code: String
        var name: String
        /// Approximate real seat position, so each county's villages cluster where the county is.
        var latitude: Double
        var longitude: Double
        /// Made up, in the order of magnitude of the real counts; they add up to 181.
        var townships: Int
        /// Districts have more street offices (街道) than counties.
        var streets: Int
    }

    /// The 10 real county-level divisions of Tongren (codes and names are real).
    static let counties: [County] = [
        County(code: "520602", name: "碧江区", latitude: 27.72, longitude: 109.19, townships: 12, streets: 5),
        County(code: "520603", name: "万山区", latitude: 27.52, longitude: 109.21, townships: 11, streets: 3),
        County(code: "520621", name: "江口县", latitude: 27.70, longitude: 108.84, townships: 10, streets: 2),
        County(code: "520622", name: "玉屏侗族自治县", latitude: 27.24, longitude: 108.91, townships: 8, streets: 2),
        County(code: "520623", name: "石阡县", latitude: 27.51, longitude: 108.23, townships: 19, streets: 2),
        County(code: "520624", name: "思南县", latitude: 27.94, longitude: 108.25, townships: 28, streets: 3),
        County(code: "520625", name: "印江土家族苗族自治县", latitude: 28.00, longitude: 108.41, townships: 17, streets: 2),
        County(code: "520626", name: "德江县", latitude: 28.26, longitude: 108.12, townships: 22, streets: 2),
        County(code: "520627", name: "沿河土家族自治县", latitude: 28.56, longitude: 108.50, townships: 23, streets: 2),
        County(code: "520628", name: "松桃苗族自治县", latitude: 28.15, longitude: 109.20, townships: 31, streets: 2),
    ]

    /// The fixed seed: changing it changes every synthetic name and code in the demo.
    static let seed: UInt64 = 0x5206_0020_2200_0122

    /// Generates the demo structure (no keys, no live state).
    public static func generate() -> RegistrySnapshot {
        var rng = SeededGenerator(seed: seed)
        var areas: [Area] = [Area(code: cityCode, name: cityName, level: .city, parentCode: nil, synthetic: false)]
        var organisations: [Organisation] = [
            Organisation(id: cityCode, name: hallName(cityName), level: .city, areaCode: cityCode, synthetic: false),
        ]
        var rooms: [Room] = []
        var devices: [RegistrySnapshot.DeviceEntry] = []

        for county in counties {
            areas.append(Area(code: county.code, name: county.name, level: .county, parentCode: cityCode, synthetic: false))
            organisations.append(Organisation(id: county.code, name: hallName(county.name), level: .county,
                                              areaCode: county.code, synthetic: false))
        }
        for (suffix, name) in departments {
            organisations.append(Organisation(id: "\(cityCode)-\(suffix)", name: name, level: .department,
                                              areaCode: cityCode, synthetic: false))
        }

        let townshipsPerCounty = counties.map(\.townships)
        let villagesPerTownship = distribute(total: roomCount, over: townshipsPerCounty.reduce(0, +), rng: &rng)
        var townshipNames = Set<String>()
        var townshipOrdinal = 0

        for county in counties {
            let codes = townshipCodes(for: county)
            for suffixCode in codes {
                let townshipCode = county.code + suffixCode.code
                let base = uniqueName(avoiding: &townshipNames, rng: &rng)
                let townshipName = base + suffixCode.kind
                areas.append(Area(code: townshipCode, name: townshipName, level: .township, parentCode: county.code, synthetic: true))
                organisations.append(Organisation(id: townshipCode, name: hallName(townshipName), level: .township,
                                                  areaCode: townshipCode, synthetic: true))
                devices.append(RegistrySnapshot.DeviceEntry(id: "bc-\(townshipCode)", name: "\(townshipName)单兵图传01",
                                                            org: townshipCode))

                // Townships sit within ~0.22° of the county seat, villages within ~0.05° of their township.
                let (tLat, tLon) = scatter(aroundLatitude: county.latitude, longitude: county.longitude, radius: 0.22, rng: &rng)
                var villageNames = Set<String>()
                let villages = villagesPerTownship[townshipOrdinal]
                townshipOrdinal += 1
                for v in 0..<villages {
                    let villageCode = townshipCode + String(201 + v)
                    let villageName = uniqueName(avoiding: &villageNames, rng: &rng) + "村"
                    areas.append(Area(code: villageCode, name: villageName, level: .village, parentCode: townshipCode, synthetic: true))
                    let (lat, lon) = scatter(aroundLatitude: tLat, longitude: tLon, radius: 0.05, rng: &rng)
                    let note = equipmentNotes[rng.next(below: equipmentNotes.count)]
                    rooms.append(Room(code: villageCode, name: villageName + "应急视频室", townshipCode: townshipCode,
                                      latitude: lat, longitude: lon, synthetic: true, equipmentNote: note))
                }
            }
        }
        return RegistrySnapshot(areas: areas, organisations: organisations, rooms: rooms, devices: devices)
    }

    /// Name of an area's command hall / command centre.
    static func hallName(_ areaName: String) -> String { areaName + "应急指挥中心" }

    /// Township code suffixes: street offices 001…, towns 101…, townships 201…, as in the real
    /// scheme; roughly two thirds of the rest are towns.
    private static func townshipCodes(for county: County) -> [(code: String, kind: String)] {
        var result: [(String, String)] = []
        let rest = county.townships - county.streets
        let towns = (rest * 2 + 2) / 3
        for i in 0..<county.streets { result.append((threeDigits(1 + i), "街道")) }
        for i in 0..<towns { result.append((threeDigits(101 + i), "镇")) }
        for i in 0..<(rest - towns) { result.append((threeDigits(201 + i), "乡")) }
        return result
    }

    private static func threeDigits(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }

    /// Splits `total` villages over `count` townships with some variety (roughly 6 to 28 each),
    /// exactly, deterministically (largest-remainder rounding).
    private static func distribute(total: Int, over count: Int, rng: inout SeededGenerator) -> [Int] {
        let weights = (0..<count).map { _ in 6 + rng.next(below: 17) }
        let weightSum = weights.reduce(0, +)
        var shares = weights.map { total * $0 / weightSum }
        var remaining = total - shares.reduce(0, +)
        let byRemainder = weights.indices.sorted {
            let a = (total * weights[$0]) % weightSum, b = (total * weights[$1]) % weightSum
            return a != b ? a > b : $0 < $1
        }
        var i = 0
        while remaining > 0 {
            shares[byRemainder[i % count]] += 1
            remaining -= 1
            i += 1
        }
        return shares
    }

    private static func uniqueName(avoiding used: inout Set<String>, rng: inout SeededGenerator) -> String {
        while true {
            let name = firstSyllables[rng.next(below: firstSyllables.count)] + secondSyllables[rng.next(below: secondSyllables.count)]
            if used.insert(name).inserted { return name }
        }
    }

    private static func scatter(aroundLatitude lat: Double, longitude lon: Double, radius: Double,
                                rng: inout SeededGenerator) -> (Double, Double) {
        let dLat = (rng.unit() * 2 - 1) * radius
        let dLon = (rng.unit() * 2 - 1) * radius * 1.1
        let latitude = min(max(lat + dLat, latitudeRange.lowerBound + 0.01), latitudeRange.upperBound - 0.01)
        let longitude = min(max(lon + dLon, longitudeRange.lowerBound + 0.01), longitudeRange.upperBound - 0.01)
        // Six decimals (about 0.1 m) keep CSV export exact and round trips byte-identical.
        return ((latitude * 1e6).rounded() / 1e6, (longitude * 1e6).rounded() / 1e6)
    }

    static let firstSyllables = [
        "龙", "石", "青", "坪", "溪", "岩", "木", "黄", "白", "桃", "杉", "茶", "云", "金", "和", "平",
        "新", "安", "高", "马", "凉", "枫", "竹", "梅", "松", "长", "大", "小", "上", "下", "中", "西",
        "东", "南", "北", "兴", "凤", "鹿", "鱼", "梨",
    ]
    static let secondSyllables = [
        "坝", "溪", "坪", "口", "场", "寨", "屯", "江", "山", "田", "湾", "洞", "坡", "塘", "沟", "岭",
        "河", "桥", "林", "园", "庄", "堡", "坳", "冲", "坎", "岗", "水", "阳", "丰", "家", "泉", "湖",
        "台", "垭", "峰", "潭", "滩", "岔", "营", "关",
    ]

    /// Equipment notes vary so that exports exercise CSV quoting (commas and quotes).
    static let equipmentNotes: [String?] = [
        "1080p 球机, 4G 路由器",
        "720p 枪机 + 光纤",
        "1080p 球机, 光纤, UPS 2 小时",
        "4G 一体机 \"备用电源\"",
        nil,
        "720p 枪机, 4G",
    ]
}
