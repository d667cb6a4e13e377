"""The example events in examples/ (used in the README with `jejak publish`) satisfy their contracts."""

from pathlib import Path

import pytest

from contracts.inbound import contract_for

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_satisfies_the_contract_its_name_says(example: Path) -> None:
    contract = contract_for(example.stem, 1)
    assert contract is not None, f"{example.name}: no contract {example.stem}.v1"
    assert contract.model_validate_json(example.read_bytes()).event_type == example.stem
