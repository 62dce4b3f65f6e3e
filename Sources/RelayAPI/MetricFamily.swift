/// One Prometheus metric family, rendered in the text exposition format (version 0.0.4).
public struct MetricFamily: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public struct Sample: Sendable {
        public var labels: [(String, String)]
        public var value: Double

        public init(labels: [(String, String)] = [], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    public init(name: String, help: String, kind: Kind, value: Double) {
        self.init(name: name, help: help, kind: kind, samples: [Sample(value: value)])
    }

    /// A histogram family from cumulative bucket counts (Prometheus `_bucket`, `_sum`, `_count`).
    public static func histogram(name: String, help: String, buckets: [(Double, Int)], sum: Double, count: Int) -> MetricFamily {
        var samples = buckets.map { Sample(labels: [("le", format($0.0))], value: Double($0.1)) }
        samples.append(Sample(labels: [("le", "+Inf")], value: Double(count)))
        var family = MetricFamily(name: name, help: help, kind: .histogram, samples: [])
        family.bucketSamples = samples
        family.sum = sum
        family.count = count
        return family
    }

    var bucketSamples: [Sample] = []
    var sum: Double = 0
    var count: Int = 0

    public static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            if family.kind == .histogram {
                for sample in family.bucketSamples {
                    text += "\(family.name)_bucket{le=\"\(sample.labels.first?.1 ?? "+Inf")\"} \(format(sample.value))\n"
                }
                text += "\(family.name)_sum \(String(family.sum))\n\(family.name)_count \(family.count)\n"
                continue
            }
            for sample in family.samples {
                text += family.name
                if !sample.labels.isEmpty {
                    text += "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
