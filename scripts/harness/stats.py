"""Percentiles as the reports publish them: always one of the values, never interpolated."""


def percentile(values, p, method="nearest"):
    """The p-th percentile (p from 0 to 100) of values, or None when there are none.

    method "nearest": the value at index round(p/100 x (n - 1)) of the sorted values (Python's
        round, halves to even; numpy's "nearest"). What latency_report.py and lossy_report.py
        publish.
    method "above": the value at index floor(p/100 x n) of the sorted values (at most n - 1): the
        smallest with more than p % of the values at or below it. What abuse.py's hall publishes.
    Either way p=0 is the smallest value and p=100 the largest."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile: p must be within 0 and 100, not {p}")
    if method not in ("nearest", "above"):
        raise ValueError(f"percentile: unknown method {method!r}")
    if not values:
        return None
    ordered = sorted(values)
    if method == "nearest":
        index = int(round(p / 100 * (len(ordered) - 1)))
    else:
        index = int(p / 100 * len(ordered))
    return ordered[min(len(ordered) - 1, index)]
