"""The site checks find each kind of defect planted in a small built site, and pass a clean one."""

from pathlib import Path

import pytest

from mlplatform.site.checks import find_problems

CLEAN = """<html><head><script>var p = "/home/runner/x";</script></head><body>
<h2 id="intro">Intro</h2>
<a href="#intro">top</a> <a href="other.html#part">other</a> <a href="sub/">folder</a>
<a href="https://example.org/missing.html">outside</a> <a href="mailto:a@b.c">mail</a>
<img src="img/plot.png"> <img src="data:image/png;base64,iVBORw0KGgo=">
<p>Paths in the course are relative: data/ml-100k and .platform/logs/mlflow.log.</p>
</body></html>"""


def _site(tmp_path: Path, index: str = CLEAN) -> Path:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "plot.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text("<p>sub</p>")
    (tmp_path / "other.html").write_text('<h2 id="part">Part</h2>')
    (tmp_path / "index.html").write_text(index)
    return tmp_path


def test_a_clean_site_has_no_problems(tmp_path: Path) -> None:
    assert find_problems(_site(tmp_path)) == []


@pytest.mark.parametrize(
    ("planted", "kind", "detail"),
    [
        ('<a href="chapters/ch99_missing.html">x</a>', "broken link", "chapters/ch99_missing.html"),
        ('<a href="other.html#nowhere">x</a>', "broken link", "nowhere"),
        ('<a href="#nowhere">x</a>', "broken link", "nowhere"),
        ('<a href="../outside.html">x</a>', "broken link", "../outside.html"),
        ('<img src="img/gone.png">', "missing image", "img/gone.png"),
        ("<pre>saved to /home/alice/course/data</pre>", "machine path", "/home/a"),
        ("<pre>open /tmp/tmpab12/model.pkl</pre>", "machine path", "/tmp/"),
        (r"<pre>C:\Users\bob\course</pre>", "machine path", "C:\\Users\\"),
        (
            "<pre>.venv/lib/python3.11/site-packages/mlflow/x.py</pre>",
            "machine path",
            "site-packages/",
        ),
        (
            '<pre><span class="ansi-red-fg">ValueError</span>   Traceback (most recent call last)</pre>',
            "traceback",
            "traceback",
        ),
    ],
)
def test_each_planted_defect_is_reported(
    tmp_path: Path, planted: str, kind: str, detail: str
) -> None:
    problems = find_problems(_site(tmp_path, CLEAN.replace("</body>", planted + "</body>")))
    assert [p.kind for p in problems] == [kind]
    assert problems[0].page == "index.html"
    assert detail in problems[0].detail


def test_a_problem_names_its_page(tmp_path: Path) -> None:
    site = _site(tmp_path)
    (site / "sub" / "page.html").write_text('<a href="../nothing.html">x</a>')
    [problem] = find_problems(site)
    assert str(problem) == "sub/page.html: broken link: ../nothing.html"
