"""Every file the README and the docs point at is in the repository (they must never send a reader nowhere)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "verifier" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def local_targets(page: Path) -> list[str]:
    targets = [match["target"] for match in LINK.finditer(page.read_text(encoding="utf-8"))]
    return [t.split("#", 1)[0] for t in targets if not re.match(r"^[a-z]+:", t) and not t.startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_local_link_names_a_file_of_the_repository(page: Path) -> None:
    missing = [target for target in local_targets(page) if not (page.parent / target).exists()]
    assert missing == [], f"{page.relative_to(ROOT)} points at files that are not here: {missing}"


def test_the_design_and_the_domain_are_described_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("docs/architecture.md", "docs/domain.md"):
        assert f"]({page})" in readme
        assert (ROOT / page).exists()
