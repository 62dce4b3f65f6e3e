"""The gateway's /metrics (Prometheus text format): samples into a dict, label families summed, and
a histogram's buckets and quantile."""
import math
import re


def parse_metrics(text):
    """{sample: value}, the sample as written (name and labels, e.g.
    'fieldrelay_srt_rejections_total{code="1404"}'); comments and lines whose value is not a number
    are left out."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            values[name] = float(value)
        except ValueError:
            pass
    return values


def metric_sum(values, name):
    """The sum of a metric over all its label sets (and the unlabelled sample, if any)."""
    return sum(v for k, v in values.items() if k == name or k.startswith(name + "{"))


def histogram(values, name):
    """A histogram's buckets [(upper bound, cumulative count)] sorted by bound (+Inf as math.inf),
    and its _count (0.0 when absent)."""
    pattern = re.compile(rf'{re.escape(name)}_bucket\{{le="([^"]+)"\}}')
    buckets = []
    for sample, value in values.items():
        match = pattern.fullmatch(sample)
        if match:
            buckets.append((math.inf if match.group(1) == "+Inf" else float(match.group(1)), value))
    buckets.sort()
    return buckets, values.get(f"{name}_count", 0.0)


def bucket_quantile(buckets, count, q):
    """Prometheus' histogram_quantile: linear within the bucket that holds the rank (q from 0 to 1);
    NaN when the histogram is empty."""
    if count <= 0 or not buckets:
        return float("nan")
    rank = q * count
    lower, below = 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            if math.isinf(bound):
                return lower
            inside = cumulative - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1)
        lower, below = bound, cumulative
    return lower
