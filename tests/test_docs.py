"""The README and docs/: every relative link resolves (file and heading); the README stays short;
the API reference page renders the OpenAPI document from this server's own files."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(path: Path) -> str:
    """The page without its fenced code blocks (a link-like text in code is not a link)."""
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _prose(path).splitlines():
        if m := re.match(r"#{1,6} (.+)", line):
            base = _slug(m.group(1))
            n = seen.get(base, 0)
            anchors.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return anchors


def _links():
    for page in PAGES:
        for target in LINK.findall(_prose(page)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            yield page, target


@pytest.mark.parametrize("page, target", list(_links()),
                         ids=[f"{p.relative_to(ROOT)}->{t}" for p, t in _links()])
def test_every_relative_link_resolves(page, target):
    file_part, _, anchor = target.partition("#")
    dest = (page.parent / file_part).resolve() if file_part else page
    assert dest.exists(), f"{page.relative_to(ROOT)}: {target} points to nothing"
    if anchor and dest.suffix == ".md":
        assert anchor in _anchors(dest), f"{page.relative_to(ROOT)}: no heading #{anchor} in {dest.name}"


def test_the_readme_is_read_in_ten_minutes_and_links_every_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for guide in ("scanning", "readers", "labels", "nights-and-alerts", "imports", "administration", "api",
                  "operations", "benchmarks", "architecture"):
        assert f"(docs/{guide}.md)" in readme, guide


def test_the_api_reference_page_uses_only_this_servers_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert 'data-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html and "http://" not in html and "https://" not in html  # no inline script, no CDN
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(src).status_code == 200, src
    assert (ROOT / "static" / "vendor" / "swagger-ui" / "LICENSE").exists()

