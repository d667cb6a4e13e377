"""Inbound contracts: what departmental systems submit on ``asn.in.<source>.<event-type>.v<N>``."""

from contracts.inbound.base import InboundEvent
from contracts.inbound.registry import INBOUND_CONTRACTS, contract_for
from contracts.inbound.training import TrainingCompletedV1

__all__ = ["INBOUND_CONTRACTS", "InboundEvent", "TrainingCompletedV1", "contract_for"]
