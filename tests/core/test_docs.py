"""The repository documents itself: README, CONTRIBUTING and docs/ never send a reader outside the
repository, every relative link (and its #anchor) resolves, and every partner API path docs/api.md names
is one the code serves — and the other way round."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEMES = ("http://", "https://", "mailto:", "ftp://")
API_PATH = re.compile(r"/api/v1/[A-Za-z0-9_{}\-./]*")
PENDING = re.compile(r"<!--\s*pending:(.*?)-->", re.DOTALL)


def doc_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def _outside_code(text: str) -> str:
    """``text`` with fenced code blocks blanked (headings and links inside them do not count)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        out.append("" if fenced else line)
    return "\n".join(out)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (CJK kept), spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in _outside_code(text).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def problems(path: Path, text: str, root: Path = ROOT) -> list[str]:
    """What is wrong with one Markdown file: a reference outside the repository, a relative link to a
    file that does not exist (or lies outside ``root``), or an #anchor that names no heading."""
    found = []
    if "../shared" in text:
        found.append(f"{path.name}: mentions ../shared (outside the repository)")
    for target in LINK.findall(_outside_code(text)):
        if target.startswith(SCHEMES):
            continue
        file_part, _, fragment = target.partition("#")
        if not file_part:  # an anchor on this page
            if fragment not in anchors(text):
                found.append(f"{path.name}: link {target} names no heading of this page")
            continue
        resolved = (path.parent / file_part).resolve()
        if not resolved.is_relative_to(root.resolve()):
            found.append(f"{path.name}: link {target} leaves the repository")
            continue
        if not resolved.exists():
            found.append(f"{path.name}: link {target} names a path that does not exist")
            continue
        if fragment and resolved.suffix == ".md" and fragment not in anchors(resolved.read_text(encoding="utf-8")):
            found.append(f"{path.name}: link {target} names no heading of {resolved.name}")
    return found


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documentation_stays_inside_the_repository_and_its_links_resolve(path):
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    assert problems(path, path.read_text(encoding="utf-8")) == []


def test_the_three_docs_are_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/architecture.md", "docs/rules.md", "docs/api.md"):
        assert f"]({name})" in readme, name


def test_the_checker_catches_what_it_is_meant_to_catch(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Real heading\n", encoding="utf-8")
    page = tmp_path / "docs" / "page.md"
    text = (
        "See `../shared/docs/DOMAIN.md`.\n"
        "[gone](missing.md) [outside](../../elsewhere.md) [bad anchor](other.md#no-such-heading)\n"
        "[good](other.md#real-heading) [web](https://example.org/x) [self](#title)\n"
        "# Title\n"
        "```\n[in code](not-checked.md)\n```\n"
    )
    found = problems(page, text, root=tmp_path)
    assert len(found) == 4, found
    assert any("../shared" in p for p in found)
    assert any("missing.md" in p for p in found)
    assert any("leaves the repository" in p for p in found)
    assert any("no heading" in p for p in found)


def test_anchor_slugs_follow_github():
    assert slug("Registration (备案)") == "registration-备案"
    assert slug("Places, tiers and scope") == "places-tiers-and-scope"
    assert slug("`POST /api/v1/registrations/`") == "post-apiv1registrations"


# --- docs/api.md and the schema the code generates ---------------------------------------------------------

def _schema_paths() -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    return set(SchemaGenerator().get_schema(request=None, public=True)["paths"])


def _template_re(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$")


def _documented_paths(text: str) -> tuple[set[str], set[str]]:
    """(paths docs/api.md names, paths it marks as pending until another change is merged)."""
    def paths(chunk):
        return {m.rstrip(".") for m in API_PATH.findall(chunk) if m.rstrip(".") != "/api/v1/"}

    pending = set().union(*(paths(c) for c in PENDING.findall(text))) if PENDING.search(text) else set()
    return paths(text), pending


def test_every_api_path_the_guide_names_is_served_and_every_served_path_is_in_the_guide():
    documented, pending = _documented_paths((ROOT / "docs" / "api.md").read_text(encoding="utf-8"))
    served = _schema_paths()
    patterns = {t: _template_re(t) for t in served}
    unknown = sorted(p for p in documented - pending
                     if p not in served and not any(r.match(p) for r in patterns.values()))
    assert unknown == [], f"docs/api.md names paths the code does not serve: {unknown}"
    undocumented = sorted(t for t, r in patterns.items()
                          if t not in documented and not any(r.match(p) for p in documented))
    assert undocumented == [], f"paths served but missing from docs/api.md: {undocumented}"
