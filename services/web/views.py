"""What each page shows, made from the API's JSON answers: pure functions, so they are tested without servers."""

from dataclasses import dataclass, field
from typing import Any

PREDIKAT_ORDER = (1, 2, 3, 4, 5)
PREDIKAT_NAMES = {1: "Sangat Baik", 2: "Baik", 3: "Butuh Perbaikan", 4: "Kurang", 5: "Sangat Kurang"}


@dataclass
class UnitOverview:
    """One OPD's line on the city overview; a figure the API did not give stays None."""

    unit_code: str
    unit_name: str | None = None
    employees: int | None = None
    meeting_target: int | None = None
    share_meeting_target: float | None = None
    median_jp: float | None = None
    without_jp: int | None = None
    unit_predikat: str | None = None
    predikat: dict[int, int] = field(default_factory=dict)
    guideline_max_sangat_baik: float | None = None
    deviates_from_guideline: bool = False
    complaints_received: int | None = None
    complaints_open: int | None = None
    sla_breaches: int | None = None
    leading_to_penalty: int | None = None
    rewards_granted: int | None = None


def overview_rows(
    jp: dict[str, Any],
    distribution: dict[str, Any],
    complaints: dict[str, Any],
    rewards: dict[str, Any] | None = None,
) -> list[UnitOverview]:
    """One row per unit any of the reports names, in unit-code order (rewards of staff never placed are left out)."""
    units: dict[str, UnitOverview] = {}

    def unit(code: str) -> UnitOverview:
        return units.setdefault(code, UnitOverview(code))

    for row in jp["units"]:
        line = unit(row["unit_code"])
        line.unit_name = row["unit_name"]
        line.employees, line.meeting_target = row["employees"], row["meeting_target"]
        line.share_meeting_target, line.median_jp = row["share_meeting_target"], row["median_jp"]
        line.without_jp = row["without_jp"]
    for row in distribution["units"]:
        line = unit(row["unit_code"])
        line.unit_predikat = row["unit_predikat"]
        line.predikat = {share["predikat"]: share["employees"] for share in row["predikat"]}
        line.guideline_max_sangat_baik = row["guideline_max_sangat_baik"]
        line.deviates_from_guideline = row["deviates_from_guideline"]
    for row in complaints["units"]:
        line = unit(row["unit_code"])
        line.complaints_received = row["received"]
        line.complaints_open = sum(row["open_backlog_by_age"].values())
        line.sla_breaches = sum(row["sla_breaches"].values())
        line.leading_to_penalty = row["leading_to_penalty"]
    for row in (rewards or {"units": []})["units"]:
        if row["unit_code"] is not None:
            unit(row["unit_code"]).rewards_granted = row["granted"]
    return [units[code] for code in sorted(units)]


def overview_charts(rows: list[UnitOverview], names: dict[str, str] | None = None) -> dict[str, Any]:
    """The data of the overview's three charts (drawn by static/charts.js; the tables carry the same numbers).

    ``names`` labels the complaint series (``open``, ``breaches``) in the page's language."""
    names = names or {}
    labels = [row.unit_code for row in rows]
    return {
        "jp": {
            "type": "bar",
            "labels": labels,
            "datasets": [
                {"label": "%", "data": [_percent(row.share_meeting_target) for row in rows]},
            ],
            "max": 100,
        },
        "predikat": {
            "type": "stacked",
            "labels": labels,
            "datasets": [
                {"label": PREDIKAT_NAMES[p], "data": [row.predikat.get(p, 0) for row in rows]} for p in PREDIKAT_ORDER
            ],
        },
        "complaints": {
            "type": "bar",
            "labels": labels,
            "datasets": [
                {"label": names.get("open", "open"), "data": [row.complaints_open or 0 for row in rows]},
                {
                    "label": names.get("breaches", "breaches"),
                    "data": [row.sla_breaches or 0 for row in rows],
                    "color": "#a4262c",
                },
            ],
        },
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


@dataclass(frozen=True)
class StaffRow:
    """One employee on the OPD page: JP this year against the target, and the eligibility flags."""

    nip: str
    name: str
    asn_kind: str
    jp: float
    target: float
    meets_target: bool
    flags: tuple[str, ...]
    last_predikat: int | None = None
    last_predikat_year: int | None = None

    @property
    def predikat_name(self) -> str | None:
        return None if self.last_predikat is None else PREDIKAT_NAMES.get(self.last_predikat)


STAFF_SORTS = ("jp", "-jp", "name", "-name", "nip", "-nip", "predikat", "-predikat")


def staff_rows(
    staff: list[dict[str, Any]],
    eligibility: list[dict[str, Any]],
    *,
    text: str | None = None,
    only_below: bool = False,
    sort: str | None = None,
) -> list[StaffRow]:
    """The unit's staff joined with their flags, filtered by name/NIP text and target, then sorted."""
    standing_of = {row["nip"]: row for row in eligibility}
    rows = []
    for row in staff:
        standing = standing_of.get(row["nip"], {})
        rows.append(
            StaffRow(
                row["nip"], row["name"], row["asn_kind"], float(row["jp"]), float(row["target"]),
                bool(row["meets_target"]), _flags(standing), standing.get("last_predikat"),
                standing.get("last_predikat_year"),
            )
        )  # fmt: skip
    if text:
        needle = text.casefold().strip()
        rows = [row for row in rows if needle in row.name.casefold() or needle in row.nip]
    if only_below:
        rows = [row for row in rows if not row.meets_target]
    if sort in STAFF_SORTS:
        field = {"predikat": "last_predikat"}.get(sort.removeprefix("-"), sort.removeprefix("-"))
        present = [row for row in rows if getattr(row, field) is not None]
        present.sort(key=lambda row: getattr(row, field), reverse=sort.startswith("-"))
        # Who has no predikat goes last either way: missing is neither better nor worse than any.
        rows = present + [row for row in rows if getattr(row, field) is None]
    return rows


def _flags(row: dict[str, Any]) -> tuple[str, ...]:
    flags = []
    if row.get("karya_satya_due"):
        flags.append("karya_satya")
    if row.get("karya_satya_barred"):
        flags.append("barred")
    if row.get("performance_award_candidate"):
        flags.append("award")
    if row.get("promotion_ready"):
        flags.append("promotion")
    return tuple(flags)


def backlog_of(complaints: dict[str, Any], unit_code: str) -> dict[str, int]:
    """The unit's open complaints by age bucket (empty when it has none this year)."""
    for row in complaints["units"]:
        if row["unit_code"] == unit_code:
            return dict(row["open_backlog_by_age"])
    return {}


OPEN_STAGES = ("verification", "disposition", "follow_up", "closure")


def stage_chart(units: list[dict[str, Any]], names: dict[str, str]) -> dict[str, Any]:
    """Open complaints per unit, stacked by the step each waits for (``names``: each step's label)."""
    return {
        "type": "stacked",
        "labels": [unit["unit_code"] for unit in units],
        "datasets": [
            {"label": names.get(stage, stage), "data": [unit["open_by_stage"].get(stage, 0) for unit in units]}
            for stage in OPEN_STAGES
        ],
    }


def jp_chart(jp_per_year: list[dict[str, Any]], target_label: str = "target") -> dict[str, Any]:
    """A dossier's JP per year as bars, with the target as a line (its points marked: one year is one point)."""
    return {
        "type": "bar-with-target",
        "labels": [str(year["year"]) for year in jp_per_year],
        "datasets": [
            {"label": "JP", "data": [float(year["recognised_jp"]) for year in jp_per_year]},
            {"label": target_label, "data": [float(year["target_jp"]) for year in jp_per_year], "color": "#a4262c"},
        ],
    }


HIDDEN_DETAILS = {"originator_topic", "originator_id", "originator_version", "employee_nip", "nip", "source"}
"""Bookkeeping the timeline's other columns already show, or that only the store needs."""


def named(code: str | None, names: dict[str, str]) -> str | None:
    """A reference code with its official name (``41`` -> ``IV/a (41)``); an unknown code as it is."""
    if code is None:
        return None
    return f"{names[code]} ({code})" if code in names else code


FIRST_DETAILS = ("recognised_jp", "title", "predikat", "reward_code", "penalty_code", "unit_code", "position")
"""What a reader looks for first in an entry (a training's JP, an evaluation's predikat...)."""


def summary_of(details: dict[str, Any], limit: int = 4) -> str:
    """A timeline entry's details in one short line (the full details stay in the API's answer)."""
    ordered = sorted(details.items(), key=lambda item: FIRST_DETAILS.index(item[0]) if item[0] in FIRST_DETAILS else 99)
    shown = []
    for key, value in ordered:
        if value in (None, "", [], {}) or key in HIDDEN_DETAILS:
            continue
        shown.append(f"{key.replace('_', ' ')}: {value}")
        if len(shown) == limit:
            break
    return "; ".join(shown)
