import GRDB

/// The area hierarchy, precomputed once per registry change so that `GET /api/v1/areas` only
/// folds live online counts into it (O(online rooms + nodes)), never queries.
struct AreaTree: Sendable {
    struct Node: Sendable {
        var code: String
        var name: String
        var level: AreaLevel
        var children: [Int]
        var roomsTotal: Int
    }

    private(set) var nodes: [Node] = []
    private(set) var roots: [Int] = []
    /// Room code -> indices of its village node and every ancestor node.
    private(set) var roomAncestors: [String: [Int]] = [:]

    static let empty = AreaTree()

    static func load(_ db: Database) throws -> AreaTree {
        var tree = AreaTree()
        let areas = try AreaRecord.fetchAll(db, sql: "SELECT * FROM area ORDER BY code")
        var indexOf: [String: Int] = [:]
        for area in areas {
            indexOf[area.code] = tree.nodes.count
            tree.nodes.append(Node(code: area.code, name: area.name, level: area.level, children: [], roomsTotal: 0))
        }
        var parentOf: [Int: Int] = [:]
        for area in areas {
            guard let index = indexOf[area.code] else { continue }
            if let parentCode = area.parentCode, let parent = indexOf[parentCode] {
                tree.nodes[parent].children.append(index)
                parentOf[index] = parent
            } else {
                tree.roots.append(index)
            }
        }
        let roomCodes = try String.fetchAll(db, sql: "SELECT code FROM room ORDER BY code")
        for code in roomCodes {
            guard let village = indexOf[code] else { continue }
            var ancestors: [Int] = []
            var current: Int? = village
            while let index = current, ancestors.count < 8 {
                ancestors.append(index)
                tree.nodes[index].roomsTotal += 1
                current = parentOf[index]
            }
            tree.roomAncestors[code] = ancestors
        }
        return tree
    }

    /// Renders the tree down to `depth` with online counts for the given online room codes.
    func render(onlineRooms: some Sequence<String>, depth: AreaLevel) -> [AreaNode] {
        var online = [Int](repeating: 0, count: nodes.count)
        for code in onlineRooms {
            for index in roomAncestors[code] ?? [] { online[index] += 1 }
        }
        func build(_ index: Int) -> AreaNode {
            let node = nodes[index]
            let children = node.level < depth ? node.children.map(build) : []
            return AreaNode(code: node.code, name: node.name, level: node.level, roomsTotal: node.roomsTotal,
                            roomsOnline: online[index], children: children)
        }
        return roots.map(build)
    }
}
