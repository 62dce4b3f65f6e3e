import PathRules

/// Device ids appear raw in SRT stream ids and URLs (`cam/<id>`); their syntax is PathRules'
/// `IdentifierRule.deviceID`, the one every entry point uses.
enum DeviceIdentifier {
    static func isValid(_ id: String) -> Bool {
        IdentifierRule.deviceID.accepts(id)
    }

    /// Throws the registry's `.invalid` with the rule's own message.
    static func check(_ id: String) throws(RegistryError) {
        do {
            try IdentifierRule.deviceID.check(id)
        } catch {
            throw RegistryError(.invalid, error.message)
        }
    }
}
