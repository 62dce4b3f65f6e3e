import MediaTypes

/// The access units a path keeps, starting on a keyframe of its primary track and covering at
/// least the configured span, so a reader that joins late can be backfilled.
struct RecentMedia {
    var tracks: [Track] = []
    private(set) var units: [AccessUnit] = []
    private var keyframes: [Int] = []   // indexes in `units` of primary-track keyframes
    private var primary: Int?

    init(tracks: [Track] = []) {
        self.tracks = tracks
        primary = tracks.first { $0.codec.isVideo }?.index ?? tracks.first?.index
    }

    /// The units from the last keyframe of the primary track on.
    var sinceLastKeyframe: ArraySlice<AccessUnit> {
        guard let last = keyframes.last else { return [] }
        return units[last...]
    }

    mutating func append(_ unit: AccessUnit, keep span: Int64) {
        guard let primary, span > 0 else { return }
        let isCut = unit.track == primary && unit.isKeyframe
        if units.isEmpty && !isCut { return }  // start on a keyframe
        if isCut { keyframes.append(units.count) }
        units.append(unit)
        // Drop whole GOPs from the front while what remains after them still covers the span.
        guard keyframes.count >= 2, unit.track == primary else { return }
        var drop = 0
        for index in 1..<keyframes.count {
            if unit.pts - units[keyframes[index]].pts >= span { drop = index } else { break }
        }
        guard drop > 0 else { return }
        let cut = keyframes[drop]
        units.removeFirst(cut)
        keyframes = keyframes[drop...].map { $0 - cut }
    }
}
