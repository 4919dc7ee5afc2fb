"""The rules every Dockerfile under `platform/images/` follows, checked without Docker.

`parse_dockerfile` turns a Dockerfile into instructions (continuation lines joined, comments
dropped); each check returns `Problem`s (as `manifest_checks` does); `dockerfile_problems` runs them.

Rules:
- every base image (`FROM`) is pinned by a tag other than `latest` and by a digest;
- the last `USER` is a non-root numeric uid (Kubernetes' `runAsNonRoot` can only verify numbers);
- no `ENV` or `ARG` gives a secret-looking name a value, and no `ADD` (it fetches URLs and unpacks
  archives; `COPY` does only what it says);
- only what the build needs is copied: no `COPY .`, and every source is one `.dockerignore` lets in
  (it starts with `*` and re-admits files one by one);
- `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` in exec form are valid JSON (else Docker runs a shell);
- a service image has a `HEALTHCHECK` and a `CMD`, and `EXPOSE`s the port it serves on.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass

from mlplatform.cluster.manifest_checks import SECRET_NAME_PATTERN, Problem, split_image


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: `COPY`, its arguments as written, and its line number."""

    keyword: str
    arguments: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, continuation lines joined and comments dropped."""
    found, parts, start = [], [], 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not parts and (not line or line.startswith("#")):
            continue
        if parts and line.startswith("#"):  # a comment inside a continued instruction
            continue
        if not parts:
            start = number
        parts.append(line[:-1].rstrip() if line.endswith("\\") else line)
        if not line.endswith("\\"):
            keyword, _, rest = " ".join(p for p in parts if p).partition(" ")
            found.append(Instruction(keyword.upper(), rest.strip(), start))
            parts = []
    return found


def _sources(instruction: Instruction) -> list[str]:
    """The source paths of a COPY (JSON or shell form; `--from`/`--chown` flags dropped)."""
    text = instruction.arguments
    words = json.loads(text) if text.startswith("[") else shlex.split(text)
    words = [w for w in words if not w.startswith("--")]
    return words[:-1]


def base_problems(instructions: list[Instruction], where: str) -> list[Problem]:
    """Base images without a tag, with `latest`, or without a digest (build stages are exempt)."""
    stages, problems = set(), []
    for item in instructions:
        if item.keyword != "FROM":
            continue
        words = [w for w in item.arguments.split() if not w.startswith("--")]
        image = words[0] if words else ""
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())
        if image.lower() in stages:
            continue
        _, tag, digest = split_image(image)
        if tag in (None, "latest") or digest is None:
            problems.append(
                Problem(where, f"line {item.line}: base {image!r} needs a fixed tag and a digest")
            )
    return problems


def user_problems(instructions: list[Instruction], where: str) -> list[Problem]:
    """No final USER, or one that is root or not a numeric uid."""
    users = [item for item in instructions if item.keyword == "USER"]
    if not users:
        return [Problem(where, "no USER: the container would run as root")]
    user = users[-1].arguments.split(":")[0]
    if not user.isdigit() or int(user) == 0:
        return [Problem(where, f"line {users[-1].line}: USER {user!r} is not a non-root uid")]
    return []


def _assignments(item: Instruction) -> list[tuple[str, str]]:
    words = shlex.split(item.arguments)
    if item.keyword == "ENV" and len(words) >= 2 and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]  # the legacy `ENV NAME value` form
    return [tuple(w.split("=", 1)) if "=" in w else (w, "") for w in words]  # type: ignore[misc]


def secret_problems(instructions: list[Instruction], where: str) -> list[Problem]:
    """Secret-looking ENV/ARG values written into the image, and ADD instructions."""
    problems = []
    for item in instructions:
        if item.keyword == "ADD":
            problems.append(
                Problem(where, f"line {item.line}: ADD; use COPY (no URLs, no unpacking)")
            )
        if item.keyword in ("ENV", "ARG"):
            for name, value in _assignments(item):
                if value and SECRET_NAME_PATTERN.search(name):
                    problems.append(
                        Problem(where, f"line {item.line}: {item.keyword} {name} bakes a secret in")
                    )
    return problems


def admitted(path: str, dockerignore: str) -> bool:
    """Whether `.dockerignore` (last matching rule wins, `!` re-admits) lets `path` into the context."""
    keep = True
    target = path.rstrip("/").removeprefix("./")
    for raw in dockerignore.splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/").removeprefix("./")
        if fnmatch.fnmatch(target, pattern) or target.startswith(pattern + "/"):
            keep = negated
    return keep


def copy_problems(instructions: list[Instruction], where: str, dockerignore: str) -> list[Problem]:
    """COPY of the whole context, or of a path the .dockerignore keeps out."""
    problems = []
    for item in instructions:
        if item.keyword != "COPY" or "--from" in item.arguments:
            continue
        for source in _sources(item):
            if source in (".", "./", "*"):
                problems.append(
                    Problem(where, f"line {item.line}: COPY {source} copies everything")
                )
            elif not admitted(source, dockerignore):
                problems.append(
                    Problem(
                        where, f"line {item.line}: COPY {source}, which .dockerignore keeps out"
                    )
                )
    return problems


def exec_form_problems(instructions: list[Instruction], where: str) -> list[Problem]:
    """CMD, ENTRYPOINT or HEALTHCHECK CMD in `[...]` form that is not valid JSON.

    Docker does not reject such a line: it quietly runs it as a shell string instead.
    """
    problems = []
    for item in instructions:
        text = item.arguments
        if item.keyword == "HEALTHCHECK":
            text = text.partition(" CMD ")[2].strip() if " CMD " in f" {text}" else ""
            text = text or item.arguments.removeprefix("CMD").strip()
        elif item.keyword not in ("CMD", "ENTRYPOINT"):
            continue
        if not text.startswith("["):
            continue
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not (isinstance(parsed, list) and all(isinstance(p, str) for p in parsed)):
            problems.append(
                Problem(
                    where, f"line {item.line}: {item.keyword} [...] is not a JSON list of strings"
                )
            )
    return problems


def service_problems(instructions: list[Instruction], where: str) -> list[Problem]:
    """A service image without HEALTHCHECK, CMD or EXPOSE."""
    keywords = {item.keyword for item in instructions}
    return [
        Problem(where, f"no {keyword}") for keyword in ("HEALTHCHECK", "CMD", "EXPOSE")
        if keyword not in keywords
    ]  # fmt: skip


def exposed_ports(instructions: list[Instruction]) -> list[int]:
    """The ports the image EXPOSEs."""
    return [
        int(re.sub(r"/\w+$", "", word))
        for item in instructions if item.keyword == "EXPOSE" for word in item.arguments.split()
    ]  # fmt: skip


def dockerfile_problems(
    text: str, dockerignore: str, where: str = "Dockerfile", service: bool = True
) -> list[Problem]:
    """Every rule of this module on one Dockerfile; `service=False` skips the service-only rules."""
    instructions = parse_dockerfile(text)
    problems = [
        *base_problems(instructions, where),
        *user_problems(instructions, where),
        *secret_problems(instructions, where),
        *copy_problems(instructions, where, dockerignore),
        *exec_form_problems(instructions, where),
    ]
    return problems + (service_problems(instructions, where) if service else [])
