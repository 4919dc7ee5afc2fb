"""Build the course website with MkDocs (Material theme, mkdocs-jupyter) and check every page."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlplatform.site.checks import Problem, find_problems
from mlplatform.site.staging import stage_site, write_config

log = logging.getLogger(__name__)


class SiteBuildError(RuntimeError):
    """MkDocs could not build the site; the message has its output."""


@dataclass(frozen=True)
class SitePaths:
    """Where the site's sources, settings and output live, for the repository at `home`."""

    home: Path

    @property
    def build_dir(self) -> Path:
        """Everything the build writes (git-ignored)."""
        return self.home / "_build"

    @property
    def staged_dir(self) -> Path:
        """The staged sources MkDocs reads."""
        return self.build_dir / "site-src"

    @property
    def site_dir(self) -> Path:
        """The built site, ready to serve or publish."""
        return self.build_dir / "site"

    @property
    def config(self) -> Path:
        """The generated MkDocs config (paths and navigation)."""
        return self.build_dir / "mkdocs.yml"

    @property
    def base_config(self) -> Path:
        """The committed MkDocs settings (theme, plugins, validation)."""
        return self.home / "website" / "mkdocs.yml"

    @property
    def screenshots_dir(self) -> Path:
        """Screenshots the browser tests take, for a person to look at."""
        return self.build_dir / "screenshots"


@dataclass(frozen=True)
class BuildReport:
    """What one build produced."""

    site_dir: Path
    pages: int
    seconds: float
    warnings: list[str]
    problems: list[Problem]

    @property
    def is_clean(self) -> bool:
        """True when MkDocs warned about nothing and no page has a problem."""
        return not self.warnings and not self.problems


def _warnings(output: str) -> list[str]:
    """The lines of MkDocs' output that warn (MkDocs logs `WARNING -`; Python warnings say so too)."""
    return [
        line.strip()
        for line in output.splitlines()
        if line.lstrip().startswith(("WARNING", "ERROR")) or "Warning:" in line
    ]


def run_mkdocs(config: Path) -> list[str]:
    """Run `mkdocs build --strict` on `config`; return its warnings.

    Raises:
        SiteBuildError: MkDocs failed; the message has the lines that say why.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-f", str(config)]
    # From the config's folder: mkdocs-jupyter keeps its cache in ./.cache, which belongs in _build/.
    result = subprocess.run(
        command, cwd=config.parent, capture_output=True, text=True, env=env, check=False
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        reasons = _warnings(output) or output.strip().splitlines()[-5:]
        raise SiteBuildError("mkdocs build failed:\n" + "\n".join(reasons))
    return _warnings(output)


def build_site(home: Path) -> BuildReport:
    """Stage the sources of the repository at `home`, build the site and check every page."""
    paths = SitePaths(home)
    started = time.perf_counter()
    staged = stage_site(home, paths.staged_dir)
    write_config(staged, paths.base_config, paths.config, paths.staged_dir, paths.site_dir)
    warnings = run_mkdocs(paths.config)
    problems = find_problems(paths.site_dir)
    seconds = time.perf_counter() - started
    pages = len(list(paths.site_dir.rglob("*.html")))
    log.info("built %d pages into %s in %.1f s", pages, paths.site_dir, seconds)
    return BuildReport(paths.site_dir, pages, seconds, warnings, problems)
