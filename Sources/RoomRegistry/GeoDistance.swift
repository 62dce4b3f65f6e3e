import Foundation

/// Distances on the Earth as a sphere of mean radius (IUGG, 6,371.0088 km): the haversine
/// great-circle distance, and the latitude/longitude box that holds a circle, for an index
/// prefilter. A sphere is within 0.5 % of the ellipsoid, far below what a "nearby camera" asks.
enum GeoDistance {
    static let earthRadiusKm = 6371.0088

    static func kilometres(latitude lat1: Double, longitude lon1: Double, latitude lat2: Double, longitude lon2: Double) -> Double {
        let φ1 = lat1 * .pi / 180, φ2 = lat2 * .pi / 180
        let dφ = (lat2 - lat1) * .pi / 180, dλ = (lon2 - lon1) * .pi / 180
        let a = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        return 2 * earthRadiusKm * asin(min(1, a.squareRoot()))
    }

    /// The latitude range and the longitude ranges (two when the box crosses ±180°) that contain
    /// every place within `radiusKm` of the centre. The longitude half-width is the exact one of a
    /// spherical circle, asin(sin(r/R) / cos φ); near a pole the box takes every longitude.
    static func boundingBox(latitude: Double, longitude: Double, radiusKm: Double)
        -> (latitude: ClosedRange<Double>, longitude: [ClosedRange<Double>]) {
        let angular = radiusKm / earthRadiusKm
        let dLat = angular * 180 / .pi
        let south = latitude - dLat, north = latitude + dLat
        guard south > -90, north < 90 else {
            return (max(-90, south)...min(90, north), [-180...180])
        }
        let dLon = asin(min(1, sin(angular) / cos(latitude * .pi / 180))) * 180 / .pi
        let west = longitude - dLon, east = longitude + dLon
        if west < -180 { return (south...north, [(west + 360)...180, -180...east]) }
        if east > 180 { return (south...north, [west...180, -180...(east - 360)]) }
        return (south...north, [west...east])
    }
}
