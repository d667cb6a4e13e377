"""The README's publishing snippet works as printed, against the real pipeline."""

import asyncio
import os
import re
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import Stack
from tests.e2e.publishing import registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def publishing_snippet() -> str:
    section = README.read_text().split("## Publishing an event", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its nats-py example"
    return match.group(1)


async def test_the_readme_snippet_publishes_a_completion_the_api_shows(stack: Stack, api: httpx.AsyncClient) -> None:
    await registered_nip(stack, "198503122010011002")  # BKPSDM registered the employee before
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        publishing_snippet(),
        env={**os.environ, "NATS_URL": stack.sender_url("bpsdm-sumbar")},  # as its engineer is given
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0
    assert b"received as SUBMIT-bpsdm-sumbar #" in output

    async def shown() -> list[str] | None:
        response = await api.get("/employees/198503122010011002/competency")
        if response.status_code != 200:
            return None
        return [a["event_id"] for y in response.json()["years"] for a in y["activities"]]

    assert await eventually(shown, what="the README's event in the API") == ["bpsdm-sumbar-2026-000123"]
