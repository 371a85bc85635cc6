"""The story newsroom was conceived from, read from ../shared/seed/ (never copied)."""

from pathlib import Path

SEED = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "seed"
    / "story-kstp-north-korea-troops.txt"
)


def seed_lines():
    return [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
