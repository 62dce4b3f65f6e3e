import Foundation
import Hummingbird
import ReportingStore

extension ReportingController {
    /// Organisation tokens, for the admin only: issue (`POST /orgs/{id}/tokens` → `{token}`),
    /// list, revoke. And SRT read keys: `POST /orgs/{id}/srt-key/rotate` (also `admin`) → `{key}`.
    func addTokenRoutes(to api: RouterGroup<Context>) {
        api.post("orgs/{id}/tokens") { request, context in
            try self.context.requireAdmin(request, context)
            let org = try knownOrganisation(context)
            let issued: IssuedOrganisationToken
            do {
                issued = try await self.context.organisationTokens.issue(organisation: org)
            } catch {
                throw APIError(.serviceUnavailable, "the token could not be stored")
            }
            return try Self.json(ReportingResponse.Token(token: issued.token, id: issued.info.id, org: org, hint: issued.info.hint,
                                                         createdAt: issued.info.createdAt), status: .created)
        }
        api.get("orgs/{id}/tokens") { request, context in
            try self.context.requireAdmin(request, context)
            let org = try knownOrganisation(context)
            let tokens: [OrganisationTokenInfo]
            do {
                tokens = try await self.context.organisationTokens.database.tokens(organisation: org)
            } catch {
                throw APIError(.serviceUnavailable, "the tokens could not be read")
            }
            return try Self.json(ReportingResponse.TokenList(tokens: tokens))
        }
        api.delete("orgs/{id}/tokens/{token}") { request, context in
            try self.context.requireAdmin(request, context)
            let org = try knownOrganisation(context)
            guard let id = Int64(try context.parameters.require("token")),
                  let info = try? await self.context.organisationTokens.database.tokens(organisation: org).first(where: { $0.id == id })
            else {
                throw APIError(.notFound, "\(org) has no such token")
            }
            do {
                _ = try await self.context.organisationTokens.revoke(id: info.id)
            } catch {
                throw APIError(.serviceUnavailable, "the token could not be revoked")
            }
            return try Self.json(ReportingResponse.TokenList(tokens: [try await self.context.organisationTokens.database.tokens(organisation: org)
                .first { $0.id == id } ?? info]))
        }
        // The old key is refused from the next handshake on, and readers connected with it are cut.
        api.post("orgs/{id}/srt-key/rotate") { request, context in
            try self.context.requireAdmin(request, context)
            let id = try context.parameters.require("id")
            let caller = id == "admin" ? id : try knownOrganisation(context)
            let rotated: (key: String, generation: Int)
            do {
                rotated = try await self.context.srtReadKeys.rotate(caller)
            } catch {
                throw APIError(.serviceUnavailable, "the read key could not be rotated")
            }
            return try Self.json(ReportingResponse.SRTReadKey(org: caller, key: rotated.key, generation: rotated.generation))
        }
    }

    private func knownOrganisation(_ context: Context) throws -> String {
        let org = try context.parameters.require("id")
        guard coordinator.directory.organisation(id: org) != nil else {
            throw APIError(.notFound, "no organisation '\(org.prefix(80))'")
        }
        return org
    }
}
