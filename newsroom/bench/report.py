"""The bench's one table, its targets, and the JSON file beside them."""

import json
import time
from pathlib import Path


class Results:
    def __init__(self, meta):
        self.meta = meta
        self.rows = []
        self.targets = []
        self.details = {}

    @property
    def floor_rps(self):
        return next((r["rps"] for r in self.rows if r["scenario"] == "floor"), None)

    def row(self, scenario, name, measured, *, queries=None, notes=(), ratio=True, **detail):
        """A table row from a wrk (or asyncio client) result."""
        row = {
            "scenario": scenario,
            "name": name,
            "rps": measured["rps"],
            "p50_ms": measured["p50_ms"],
            "p99_ms": measured["p99_ms"],
            "errors": measured["errors"],
            "queries": queries,
            "ratio_to_floor": None,
            "notes": list(notes),
            "measured": measured,
            **detail,
        }
        if scenario == "floor":
            row["ratio_to_floor"] = 1.0
        elif ratio and self.floor_rps:
            row["ratio_to_floor"] = measured["rps"] / self.floor_rps
        self.rows.append(row)
        return row

    def target(self, what, value, met):
        """A target of issue 9, as measured in this run."""
        self.targets.append({"target": what, "measured": value, "met": bool(met)})

    def as_json(self):
        return {
            "meta": self.meta,
            "rows": self.rows,
            "targets": self.targets,
            "details": self.details,
        }


def _number(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def table(results):
    """The rows as a fixed-width table, then the targets."""
    lines = []
    meta = results.meta
    lines.append(
        f"newsroom bench {meta['started']}: {meta['cores']} cores, {meta['workers']} sync "
        f"workers, {meta['database']}, wrk -t2 -c{meta['connections']}, "
        f"{meta['seconds']} s per row; {meta['mode']}"
    )
    lines.append(f"content: {meta['content']}")
    header = (
        f"{'scenario':10} {'page':44} {'req/s':>8} {'× floor':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7} {'SQL':>4}  notes"
    )
    lines += [header, "-" * len(header)]
    for row in results.rows:
        ratio = row["ratio_to_floor"]
        lines.append(
            f"{row['scenario']:10} {row['name'][:44]:44} {_number(row['rps']):>8} "
            f"{(f'{ratio:.3f}' if ratio is not None else '–'):>8} "
            f"{_number(row['p50_ms'], 1):>8} {_number(row['p99_ms'], 1):>8} "
            f"{row['errors']:>7} {('–' if row['queries'] is None else row['queries']):>4}  "
            + "; ".join(row["notes"])
        )
    if results.targets:
        lines += ["", "Targets (issue 9):"]
        for t in results.targets:
            lines.append(f"  {'met   ' if t['met'] else 'MISSED'}  {t['target']}: {t['measured']}")
    return "\n".join(lines)


def write(results, out_dir):
    """var/bench/bench-<time>.json and var/bench/latest.json; the first path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"bench-{stamp}.json"
    text = json.dumps(results.as_json(), indent=2, default=str)
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    return path
