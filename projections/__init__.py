"""Read models built from the EVENTS stream, each with its position in the same transaction.

Projections read the wire (``contracts``), never the domain: they can be rebuilt from EVENTS or
from the store's notification log alike.
"""
