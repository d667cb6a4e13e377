"""The dashboard reads the report API in-process, with the signed-in caller's own token.

Every figure on a page is what the API answers that caller, through the same routes, the same
access control and the same answer cache: a page can neither show more than the token may read
nor disagree with the JSON a departmental system gets.
"""

from typing import Any

import httpx
from fastapi import FastAPI


class ApiRefused(Exception):
    """The API said no (403, 404, 422...): the page shows its status and reason."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


async def api_get(app: FastAPI, token: str, path: str, params: dict[str, Any] | None = None) -> Any:
    """GET ``path`` from the report API as the holder of ``token``; the decoded JSON, or ApiRefused."""
    query = {key: value for key, value in (params or {}).items() if value is not None}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://jejak.internal") as client:
        answer = await client.get(path, params=query, headers={"Authorization": f"Bearer {token}"})
    if answer.status_code != 200:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text
        raise ApiRefused(answer.status_code, detail if isinstance(detail, str) else str(detail))
    return answer.json()
