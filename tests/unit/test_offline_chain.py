"""The auditor's verifier on its own: synthetic chains, each kind of tampering, checkpoints and signatures."""

from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.offline import (
    GENESIS,
    ChainWalker,
    Checkpoint,
    Row,
    check_checkpoints,
    checkpoint_message,
    event_hash,
    key_id_of,
)

AGGREGATE = uuid4()


def chain(count: int, gaps: frozenset[int] = frozenset()) -> list[Row]:
    """Rows 1..count; ``gaps`` are positions never used (as rolled-back inserts leave them)."""
    rows, previous = [], GENESIS
    for position in (p for p in range(1, count + 1) if p not in gaps):
        state = f'{{"n": {position}}}'.encode()
        stored = event_hash(previous, position, AGGREGATE, position, "domain.x:X.Happened", state)
        rows.append(Row(position, previous, stored, AGGREGATE, position, "domain.x:X.Happened", state))
        previous = stored
    return rows


def walk(rows: list[Row]) -> ChainWalker:
    walker = ChainWalker()
    walker.keep_hashes_at = {row.position for row in rows} | {0}
    for row in rows:
        walker.feed(row)
    walker.finish()
    return walker


def signed(key: Ed25519PrivateKey, position: int, head: bytes) -> Checkpoint:
    key_id = key_id_of(key.public_key())
    at = "2026-11-28T00:00:00.000000+00:00"
    return Checkpoint(position, head, at, key_id, key.sign(checkpoint_message(position, head, at, key_id)))


def kinds(walker: ChainWalker) -> list[tuple[int, str]]:
    return sorted((problem.position, problem.kind) for problem in walker.report.problems)


def test_an_untouched_chain_verifies() -> None:
    assert walk(chain(10)).report.ok


def test_a_changed_state_is_named_at_its_position() -> None:
    rows = chain(10)
    row = rows[4]
    rows[4] = Row(row.position, row.prev_hash, row.hash, row.aggregate_id, row.version, row.topic, b'{"n": 99}')
    assert kinds(walk(rows)) == [(5, "changed")]


def test_a_removed_row_shows_as_missing_at_the_next_position() -> None:
    rows = chain(10)
    del rows[4]
    assert kinds(walk(rows)) == [(6, "missing")]


def test_exchanged_rows_show_as_reordered_at_both_positions() -> None:
    rows = chain(10)
    a, b = rows[2], rows[6]
    rows[2] = Row(3, b.prev_hash, b.hash, b.aggregate_id, b.version, b.topic, b.state)
    rows[6] = Row(7, a.prev_hash, a.hash, a.aggregate_id, a.version, a.topic, a.state)
    assert kinds(walk(rows)) == [(3, "reordered"), (7, "reordered")]


def test_a_row_inserted_in_a_gap_shows_as_inserted() -> None:
    rows = chain(10, gaps=frozenset({5}))
    forged_state = b'{"n": "forged"}'
    forged = Row(
        5, rows[3].hash, event_hash(rows[3].hash, 5, AGGREGATE, 50, "t", forged_state), AGGREGATE, 50, "t", forged_state
    )
    rows.insert(4, forged)
    assert kinds(walk(rows)) == [(5, "inserted")]


def test_a_checkpoint_catches_a_consistent_rewrite_and_says_between_which_positions() -> None:
    key = Ed25519PrivateKey.generate()
    original = chain(10)
    checkpoints = [signed(key, 3, original[2].hash), signed(key, 8, original[7].hash)]
    rewritten = chain(4)  # the same first four, then a different history made consistent again
    previous = rewritten[-1].hash
    for position in range(5, 11):
        state = f'{{"n": {position}, "forged": true}}'.encode()
        stored = event_hash(previous, position, AGGREGATE, position, "domain.x:X.Happened", state)
        rewritten.append(Row(position, previous, stored, AGGREGATE, position, "domain.x:X.Happened", state))
        previous = stored
    walker = walk(rewritten)
    assert walker.report.ok  # the chain alone is consistent
    check_checkpoints(walker, checkpoints, {key_id_of(key.public_key()): key.public_key()})
    [problem] = walker.report.problems
    assert (problem.position, problem.kind) == (4, "checkpoint")
    assert "between position 3" in problem.detail
    assert "and position 8" in problem.detail
    assert walker.report.covered_to == 3


def test_a_checkpoint_of_the_empty_store_is_true_and_covers_nothing() -> None:
    key = Ed25519PrivateKey.generate()
    walker = walk(chain(3))
    check_checkpoints(walker, [signed(key, 0, GENESIS)], {key_id_of(key.public_key()): key.public_key()})
    assert walker.report.ok, walker.report.problems
    assert walker.report.covered_to is None


def test_a_bad_signature_and_an_unknown_key_are_refused() -> None:
    key, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    rows = chain(5)
    good = signed(key, 5, rows[-1].hash)
    tampered = Checkpoint(good.position, good.hash, "2027-01-01T00:00:00.000000+00:00", good.key_id, good.signature)
    walker = walk(rows)
    check_checkpoints(walker, [tampered, signed(stranger, 5, rows[-1].hash)], {good.key_id: key.public_key()})
    assert sorted(problem.kind for problem in walker.report.problems) == ["signature", "unknown-key"]


def test_the_formula_is_length_prefixed_so_topic_and_state_cannot_trade_bytes() -> None:
    assert event_hash(GENESIS, 1, AGGREGATE, 1, "ab", b"c") != event_hash(GENESIS, 1, AGGREGATE, 1, "a", b"bc")


def undisclosed(row: Row) -> Row:
    """The row as an excerpt carries it when its content is not exported: its content digest only."""
    return Row(row.position, row.prev_hash, row.hash, content_hash=row.content())


def rehashed_in_place(rows: list[Row], position: int) -> list[Row]:
    """The row at ``position`` with other content and its own hash recomputed (its successor left alone)."""
    target = rows[position - 1]
    state = b'{"n": "altered"}'
    altered = event_hash(target.prev_hash, position, AGGREGATE, position, "domain.x:X.Happened", state)
    rows[position - 1] = Row(position, target.prev_hash, altered, AGGREGATE, position, "domain.x:X.Happened", state)
    return rows


def test_an_excerpt_with_undisclosed_rows_verifies() -> None:
    rows = chain(10)
    excerpt = [rows[0], *(undisclosed(row) for row in rows[1:9]), rows[9]]
    assert walk(excerpt).report.ok


def test_a_disclosed_row_cannot_be_changed_by_relinking_an_undisclosed_neighbour() -> None:
    """The forgery a link without a content digest allowed: change row 5, point row 6's link at it."""
    rows = rehashed_in_place(chain(10), 5)
    follower = undisclosed(rows[5])
    rows[5] = Row(6, rows[4].hash, follower.hash, content_hash=follower.content_hash)
    assert kinds(walk(rows)) == [(6, "changed")]


def test_a_row_rehashed_in_place_is_reported_with_both_positions() -> None:
    rows = rehashed_in_place(chain(10), 5)
    [problem] = walk(rows).report.problems
    assert (problem.position, problem.kind) == (6, "missing")
    assert "the event at position 5 was replaced" in problem.detail
