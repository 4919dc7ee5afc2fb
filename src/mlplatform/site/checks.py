"""What a built site must not contain: broken internal links, missing images, machine paths, tracebacks.

The checks read the HTML that MkDocs wrote, so they see exactly what a reader's browser gets, whatever
tool made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Home folders, temporary folders and installed-package paths of the machine that ran a notebook.
MACHINE_PATH = re.compile(
    r"(?<![\w.-])(/home/\w|/Users/\w|/root/|/tmp/|/work/|/private/var/|[A-Za-z]:\\Users\\|site-packages/)"
)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
# Links that leave the site, or that only a browser interprets.
_EXTERNAL = ("http:", "https:", "mailto:", "data:", "javascript:", "tel:")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one page."""

    page: str
    kind: str  # "broken link", "missing image", "machine path", "traceback"
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: {self.detail}"


class _PageParser(HTMLParser):
    """Collects a page's links, image sources, element ids and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._hidden = 0  # inside <script> or <style>: code, not what a reader sees

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag == "img" and "src" in values:
            self.images.append(values["src"])
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _parse(page: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser


def _target(site_dir: Path, page: Path, url: str) -> tuple[Path, str] | None:
    """The file and fragment an internal URL points to, or None for an external one."""
    if url.startswith(_EXTERNAL) or url.startswith("//"):
        return None
    parts = urlsplit(url)
    if not parts.path:
        return page, parts.fragment
    base = site_dir if parts.path.startswith("/") else page.parent
    target = (base / unquote(parts.path).lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def _url_problem(site_dir: Path, page: Path, url: str, ids: dict[Path, set[str]]) -> str | None:
    """What is wrong with an internal `url` on `page` (None when it resolves or is external)."""
    found = _target(site_dir, page, url)
    if found is None:
        return None
    target, fragment = found
    if not target.is_file() or not target.is_relative_to(site_dir):
        return url
    if fragment and target.suffix == ".html":
        if target not in ids:
            ids[target] = _parse(target).ids
        if fragment not in ids[target]:
            return f"{url} (no element with id {fragment!r})"
    return None


def _link_problems(
    site_dir: Path, page: Path, parsed: _PageParser, ids: dict[Path, set[str]]
) -> list[Problem]:
    name = page.relative_to(site_dir).as_posix()
    problems = []
    for url in parsed.links:
        if detail := _url_problem(site_dir, page, url, ids):
            problems.append(Problem(name, "broken link", detail))
    for url in parsed.images:
        if detail := _url_problem(site_dir, page, url.split("#")[0], ids):
            problems.append(Problem(name, "missing image", detail))
    return problems


def _text_problems(name: str, chunks: list[str]) -> list[Problem]:
    spaced, joined = " ".join(chunks), "".join(chunks)
    problems = [Problem(name, "machine path", m.group(0)) for m in MACHINE_PATH.finditer(spaced)]
    if TRACEBACK.search(joined):
        problems.append(Problem(name, "traceback", "an output shows a Python traceback"))
    return problems


def find_problems(site_dir: Path) -> list[Problem]:
    """Check every HTML page under `site_dir`; return what is wrong (empty when the site is clean)."""
    site_dir = site_dir.resolve()
    pages = sorted(site_dir.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    ids = {page: p.ids for page, p in parsed.items()}
    problems: list[Problem] = []
    for page in pages:
        problems += _link_problems(site_dir, page, parsed[page], ids)
        problems += _text_problems(page.relative_to(site_dir).as_posix(), parsed[page].text)
    return problems
