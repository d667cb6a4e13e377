"""schemathesis against the OpenAPI document: no input, valid or not, makes the API fail (5xx).

Each operation is fuzzed with a bkpsdm token (every route reachable) and without one (every
route but the open ones must answer 401). schemathesis' own pytest plugin does not load under
pytest 9 here, so its strategies run under Hypothesis directly. The examples are derandomized so
CI is repeatable; raise max_examples and drop derandomize locally to hunt for more.
"""

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.openapi import from_url

from services.tokens import Role
from tests.conftest import Stack
from tests.e2e.conftest import bearer, new_token
from tests.e2e.process import JejakProcess

pytestmark = pytest.mark.e2e
OPEN_ROUTES = {"/healthz", "/metrics"}


def test_no_input_makes_the_api_fail(stack: Stack, services: JejakProcess) -> None:
    headers = bearer(asyncio.run(new_token(stack.database_url, Role.BKPSDM)))
    schema = from_url(f"{services.api}/openapi.json")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
        )
        def fuzz(case: Any) -> None:
            response = case.call(base_url=services.api, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")
            anonymous = case.call(base_url=services.api, timeout=30)
            expected = 200 if case.path in OPEN_ROUTES else 401
            if anonymous.status_code != expected:
                failures.append(f"anonymous {case.method} {case.formatted_path}: {anonymous.status_code}")

        fuzz()
    assert failures == []
