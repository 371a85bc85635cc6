"""Explanations: what pushed a score up, as short labels with their weights."""

# A moderator reads a few reasons, not a vocabulary.
MAX_REASONS = 5
# Contributions smaller than this (in raw-score units) say nothing useful.
MIN_CONTRIBUTION = 0.01

type Explanation = list[tuple[str, float]]


def top(contributions) -> Explanation:
    """The largest positive contributions, merged by label, largest first, rounded."""
    merged = {}
    for label, value in contributions:
        merged[label] = merged.get(label, 0.0) + value
    ranked = sorted(
        ((label, value) for label, value in merged.items() if value >= MIN_CONTRIBUTION),
        key=lambda item: (-item[1], item[0]),
    )
    return [(label, round(value, 2)) for label, value in ranked[:MAX_REASONS]]
