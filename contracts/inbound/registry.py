"""Which contract reads which subject: (event type, version) -> model."""

from contracts.inbound.base import InboundEvent
from contracts.inbound.training import TrainingCompletedV1

INBOUND_CONTRACTS: dict[tuple[str, int], type[InboundEvent]] = {
    (model.event_type, model.version): model for model in (TrainingCompletedV1,)
}


def contract_for(event_type: str, version: int) -> type[InboundEvent] | None:
    """The contract for a subject's event type and version, or None when there is none."""
    return INBOUND_CONTRACTS.get((event_type, version))
