/// What a registry write returns to the serialised writer: its result, and how the in-memory
/// admission index and area tree must follow the commit. Computed inside the transaction (where
/// reading is consistent) and applied right after commit, before the next write starts.
struct WriteOutcome<Value: Sendable>: Sendable {
    enum Admission: Sendable {
        case unchanged
        case upsert([AdmissionEntry], removing: [String])
        case replaceAll([String: AdmissionEntry])
    }

    var value: Value
    var admission: Admission = .unchanged
    var tree: AreaTree? = nil
    var points: PointAreaChange = .unchanged
}

/// How the points' area codes (`AdmissionIndex.areaCode(path:)`) follow a commit.
enum PointAreaChange: Sendable {
    case unchanged
    case upsert([String: String])
    case remove([String])
    case replaceAll([String: String])
}
