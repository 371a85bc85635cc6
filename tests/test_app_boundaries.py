"""Dependencies between the apps go one way (DESIGN.md): ``comments`` and ``wire`` use
``articles``, ``articles`` uses ``images``, and never the other way round."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# app -> apps its code must never import. (Its tests may: some try the whole site.)
FORBIDDEN = {
    "articles": {"comments", "wire"},
    "images": {"articles", "comments", "wire"},
    "pagecache": {"articles", "comments", "wire", "images"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_apps_import_only_what_they_may(app):
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" in path.relative_to(ROOT / app).parts:
            continue
        wrong = imported_apps(path) & FORBIDDEN[app]
        if wrong:
            offenders.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(wrong))}")
    assert not offenders, "\n".join(offenders)


def test_the_check_sees_imports():
    """It would fail if a forbidden import were there: it reads them all."""
    assert {"articles", "django"} <= imported_apps(ROOT / "wire" / "ingest.py")
    assert "articles" in imported_apps(ROOT / "comments" / "models" / "comments.py")
