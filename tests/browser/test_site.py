"""The course website: it builds cleanly from the committed notebooks, and reads well in a browser.

The build runs once for this module (about 30 s on two cores) into `_build/site`, which the browser
tests then serve on 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from mlplatform.site.build import BuildReport, SiteBuildError, build_site
from mlplatform.site.server import make_server

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("ch*.ipynb"))
PLOT_CHAPTER = "ch11_recommender_data"  # histograms and a long-tail curve
SEARCH_TERM, SEARCH_HIT = "Gini", "ch11_recommender_data.html"  # a word only chapter 11 uses


def _images(notebook: Path) -> int:
    cells = nbformat.read(notebook, as_version=4).cells
    return sum(
        1
        for cell in cells
        for output in cell.get("outputs", [])
        if any(kind.startswith("image/") for kind in output.get("data", {}))
    )


@pytest.fixture(scope="module")
def report() -> BuildReport:
    return build_site(ROOT)


@pytest.fixture(scope="module")
def site_url(report: BuildReport) -> Iterator[str]:
    server = make_server(report.site_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_site_builds_without_warnings_or_problems(report: BuildReport) -> None:
    assert report.warnings == []
    assert [str(p) for p in report.problems] == []
    pages = {p.relative_to(report.site_dir).as_posix() for p in report.site_dir.rglob("*.html")}
    assert {f"chapters/{c.stem}.html" for c in CHAPTERS} <= pages
    assert {f"labs/{lab.stem}.html" for lab in (ROOT / "labs").glob("lab*.ipynb")} <= pages


def test_cross_references_between_chapters_lead_to_pages(report: BuildReport) -> None:
    # Chapter 11 links chapter 06 as a notebook; on the site the link must reach its page (the
    # checks above prove that every such link resolves).
    page = (report.site_dir / "chapters" / "ch11_recommender_data.html").read_text()
    assert 'href="ch06_feature_store.html"' in page
    assert 'href="ch06_feature_store.ipynb"' not in page
    ch05 = (report.site_dir / "chapters" / "ch05_tracking.html").read_text()
    assert 'href="../labs/lab05_tracking.html"' in ch05


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_page_shows_its_plots_and_the_run_note(
    report: BuildReport, chapter: Path
) -> None:
    page = (report.site_dir / "chapters" / f"{chapter.stem}.html").read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/', page)) == _images(chapter)
    assert "Run this chapter" in page
    assert f"mlplatform execute chapters/{chapter.name} --full" in page


def _tiny_course(home: Path, markdown: str, outputs: list[dict]) -> Path:
    """A one-chapter course at `home` with the site settings of the real one."""
    (home / "website").mkdir(parents=True)
    shutil.copyfile(ROOT / "website" / "mkdocs.yml", home / "website" / "mkdocs.yml")
    (home / "README.md").write_text("# A tiny course\n\n[Chapter 01](chapters/ch01_demo.ipynb)\n")
    for folder in ("chapters", "labs", "solutions"):
        (home / folder).mkdir()
    code = nbformat.v4.new_code_cell(
        "print('hello')", outputs=[nbformat.from_dict(o) for o in outputs]
    )
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Chapter 01: Demo\n\n" + markdown), code]
    )
    nbformat.write(notebook, home / "chapters" / "ch01_demo.ipynb")
    return home


def test_planted_defects_in_a_chapter_are_each_reported(tmp_path: Path) -> None:
    markdown = "See [chapter 99](ch99_missing.ipynb).\n\n![a plot](figures/missing.png)\n"
    outputs = [
        {
            "output_type": "stream",
            "name": "stdout",
            "text": "saved to /home/alice/course/model.pkl\n",
        },
        {
            "output_type": "error",
            "ename": "ValueError",
            "evalue": "bad",
            "traceback": ["Traceback (most recent call last)", "ValueError: bad"],
        },
    ]
    report = build_site(_tiny_course(tmp_path, markdown, outputs))
    found = {(p.page, p.kind) for p in report.problems}
    page = "chapters/ch01_demo.html"
    assert found == {
        (page, "broken link"),
        (page, "missing image"),
        (page, "machine path"),
        (page, "traceback"),
    }
    assert not report.is_clean


def test_a_broken_link_in_the_docs_fails_the_build_with_the_reason(tmp_path: Path) -> None:
    home = _tiny_course(tmp_path, "", [])
    (home / "README.md").write_text("# A tiny course\n\n[the syllabus](docs/nowhere.md)\n")
    with pytest.raises(SiteBuildError, match=r"docs/nowhere\.md"):
        build_site(home)


def _wait_for(browser, css: str, timeout: float = 30):
    return WebDriverWait(browser, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def test_the_home_page_lists_the_chapters_in_order(
    browser, site_url: str, screenshots: Path
) -> None:
    browser.get(site_url)
    assert browser.title == "ML platform engineering"
    links = [
        a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, "nav a.md-nav__link")
    ]
    chapter_links = [h.rsplit("/", 1)[-1] for h in links if h and "/chapters/" in h]
    expected = [f"{c.stem}.html" for c in CHAPTERS]
    assert list(dict.fromkeys(chapter_links)) == expected
    browser.save_screenshot(str(screenshots / "site-home.png"))


def test_a_chapter_shows_its_plots(browser, site_url: str, screenshots: Path) -> None:
    browser.get(f"{site_url}chapters/{PLOT_CHAPTER}.html")
    images = _wait_for(browser, ".jp-OutputArea-output img")
    drawn = [
        img for img in images if browser.execute_script("return arguments[0].naturalWidth", img) > 0
    ]
    assert len(drawn) == len(images) == _images(ROOT / "chapters" / f"{PLOT_CHAPTER}.ipynb") > 0
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", drawn[0])
    browser.save_screenshot(str(screenshots / "site-chapter-plot.png"))


def test_search_finds_the_chapter(browser, site_url: str, screenshots: Path) -> None:
    browser.get(site_url)
    browser.find_element(By.CSS_SELECTOR, "label.md-search__icon, .md-search__input").click()
    box = _wait_for(browser, "input.md-search__input")[0]
    box.send_keys(SEARCH_TERM)
    results = _wait_for(browser, ".md-search-result__item a")
    hrefs = [a.get_attribute("href") for a in results]
    assert any(SEARCH_HIT in (h or "") for h in hrefs), hrefs
    browser.save_screenshot(str(screenshots / "site-search.png"))
    box.send_keys(Keys.ESCAPE)


def test_a_lab_page_explains_its_checks(browser, site_url: str, screenshots: Path) -> None:
    browser.get(f"{site_url}labs/lab05_tracking.html")
    box = _wait_for(browser, ".admonition.info")[0]
    assert "How this lab is checked" in box.text
    assert 'check("q1")' in box.text
    browser.execute_script("arguments[0].scrollIntoView()", box)
    browser.save_screenshot(str(screenshots / "site-lab-checks.png"))
