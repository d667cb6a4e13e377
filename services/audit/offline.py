"""The chain formula and the offline verifier, from ``jejak_verify`` (``verifier/``), the auditor's own package.

Jejak uses the same module the auditors install on their own (``pip install ./verifier``), so
the chain is computed one way only; this name stays for the services' imports.
"""

from jejak_verify import (
    ANOMALIES_KEPT,
    BUNDLE_FORMAT,
    CHECKPOINT_FORMAT,
    GENESIS,
    ChainWalker,
    Checkpoint,
    Problem,
    Report,
    Row,
    check_checkpoints,
    checkpoint_message,
    content_digest,
    describe,
    event_hash,
    file_sha256,
    key_id_of,
    link,
    load_public_keys,
    main,
    manifest_message,
    row_from_json,
    row_to_json,
    verify_bundle,
    verify_signature,
)

__all__ = [
    "ANOMALIES_KEPT",
    "BUNDLE_FORMAT",
    "CHECKPOINT_FORMAT",
    "GENESIS",
    "ChainWalker",
    "Checkpoint",
    "Problem",
    "Report",
    "Row",
    "check_checkpoints",
    "checkpoint_message",
    "content_digest",
    "describe",
    "event_hash",
    "file_sha256",
    "key_id_of",
    "link",
    "load_public_keys",
    "main",
    "manifest_message",
    "row_from_json",
    "row_to_json",
    "verify_bundle",
    "verify_signature",
]
