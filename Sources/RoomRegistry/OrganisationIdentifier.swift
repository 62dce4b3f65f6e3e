import PathRules

/// Organisation ids: an area code (`520600`, `520602`, `520602001`) optionally followed by a
/// lowercase department suffix (`520600-water`). They appear in `hall/<id>` paths; the syntax is
/// PathRules' `IdentifierRule.organisationID`.
enum OrganisationIdentifier {
    static func isValid(_ id: String) -> Bool {
        IdentifierRule.organisationID.accepts(id)
    }
}
