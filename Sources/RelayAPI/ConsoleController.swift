import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import RoomRegistry

/// The command-hall web console (issue 6): its static files, served from this module's
/// resources (`Sources/RelayAPI/Console`, copied by SwiftPM), and the two small routes it needs
/// to know who signed in:
///
/// - `GET /api/v1/me`: `{kind: admin|organisation, org, name, level, areaCode, mapTilesUrl}` for
///   the token (`mapTilesUrl`: the configured `console.mapTilesUrl`, or null).
/// - `GET /api/v1/me/areas`: the area tree cut to the caller's jurisdiction (the registry's
///   `/api/v1/areas` is admin-only; a township still needs its villages to open an incident).
struct ConsoleController: Sendable {
    let reporting: ReportingContext
    let registry: Registry?
    var mapTilesUrl: String = ""

    func addRoutes(to router: Router<RelayRequestContext>) {
        router.get("/") { _, _ in try ConsoleAssets.response("index.html") }
        router.get("/console/{file}") { _, context in try ConsoleAssets.response(try context.parameters.require("file")) }
        router.get("/api/v1/me") { request, context in
            try RelayRouter.jsonResponse(try await me(request, context))
        }
        router.get("/api/v1/me/areas") { request, context in
            let me = try await me(request, context)
            let tree = registry?.areaTree() ?? []
            let areas = me.kind == "admin" ? tree : Self.cut(tree) { code in
                guard let org = me.org else { return false }
                return reporting.coordinator.directory.jurisdiction(of: org, containsArea: code)
            }
            return try RelayRouter.jsonResponse(AreasResponse(areas: areas))
        }
    }

    /// Who the caller is, by the same token resolution as the rest of the API.
    func me(_ request: Request, _ context: RelayRequestContext) async throws -> Me {
        let tiles = mapTilesUrl.isEmpty ? nil : mapTilesUrl
        switch try await reporting.caller(request, context, readOnly: true) {
        case .admin:
            return Me(kind: "admin", org: nil, name: "admin", level: "admin", areaCode: nil, mapTilesUrl: tiles)
        case .organisation(let id):
            let organisation = reporting.coordinator.directory.organisation(id: id)
            return Me(kind: "organisation", org: id, name: organisation?.name ?? id,
                      level: organisation?.level.rawValue ?? "unknown", areaCode: organisation?.areaCode, mapTilesUrl: tiles)
        }
    }

    /// The nodes inside the jurisdiction (whole subtrees), and the nodes above them with only
    /// those children; their counts are recomputed from what is kept.
    static func cut(_ nodes: [AreaNode], inside: (String) -> Bool) -> [AreaNode] {
        nodes.compactMap { node in
            if inside(node.code) { return node }
            let children = cut(node.children, inside: inside)
            guard !children.isEmpty else { return nil }
            return AreaNode(code: node.code, name: node.name, level: node.level,
                            roomsTotal: children.reduce(0) { $0 + $1.roomsTotal },
                            roomsOnline: children.reduce(0) { $0 + $1.roomsOnline }, children: children)
        }
    }

    struct Me: Encodable, Sendable {
        var kind: String
        var org: String?
        var name: String
        var level: String
        var areaCode: String?
        var mapTilesUrl: String?
    }
}
