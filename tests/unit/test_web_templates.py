"""Every dashboard template renders with the data its route gives it, in both languages (no server needed).

The browser tests check the pages on a real city; these catch a template that cannot render at
all (a misspelt variable, a filter on None) in a fraction of a second, and check what must never
appear: a missing translation key.
"""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from projections.dossier import DATE_OF
from services.audit.verification_log import Verification
from services.tokens import Role
from services.web import views
from services.web.audit_runs import CheckpointLine, Progress
from services.web.i18n import LANGUAGES, Words
from services.web.routes import TEMPLATES, Session
from tests.unit.test_web_views import COMPLAINTS, DISTRIBUTION, ELIGIBILITY, JP, STAFF

SESSION = Session("jejak_x_y", "x", Role.AUDITOR, None)
UNIT = {
    "unit_code": "KEC-TALAWI", "received": 7, "by_classification": {"complaint": 7},
    "open_by_stage": {"verification": 1, "disposition": 0, "follow_up": 2, "closure": 1},
    "open_backlog_by_age": {"0-5": 1, "6-10": 2, "11-20": 0, ">20": 1},
    "sla_breaches": {"verification": 1, "follow_up": 0, "closure": 2}, "leading_to_penalty": 1,
}  # fmt: skip
CASE = {
    "nip": "198503122010011002", "name": "Budi", "unit_code": "KEC-TALAWI", "case_id": "HD-1",
    "opened_on": "2026-02-01",
    "complaint_id": "ADU-1", "penalty_code": "R1", "level": "R", "annulled_on": None, "in_force": True,
}  # fmt: skip
KINDS = (*DATE_OF, "performance-plan-set", "performance-evaluated", "evaluation-corrected", "complaint-named")
"""Every kind of fact the dossier's timeline holds (projections/dossier.py)."""
TIMELINE = [
    {"kind": kind, "happened_on": "2025-03-01", "source": "lan-ri", "details": {"title": "Latsar"}} for kind in KINDS
]
DOSSIER: dict[str, Any] = {
    "nip": "198503122010011002", "name": "Budi Santoso", "asn_kind": "PNS", "rank": "III/a", "status": "active",
    "start_date": "2010-01-01", "placement": {"unit_code": "DINKES", "position": "Analis"},
    "jp_per_year": [{"year": 2025, "recognised_jp": 24, "target_jp": 20, "meets_target": True}],
    "timeline": TIMELINE, "complaints": [{"complaint_id": "ADU-1", "state": "closed", "closed_on": "2026-01-02"}],
    "position": 42, "policy_version": "2026.1",
}  # fmt: skip
RUN = Verification("token x", datetime.now(UTC), True, 10, 10, 2, 10, 3, ["VERIFIED"], datetime.now(UTC), 1)


def contexts() -> dict[str, dict[str, Any]]:
    rows = views.overview_rows(JP, DISTRIBUTION, COMPLAINTS)
    stamp = {"position": 42, "policy": "2026.1"}
    return {
        "signin.html": {"session": None, "next": "/ui/", "message": "signin.bad"},
        "error.html": {"session": None, "status_code": 403, "detail": "no"},
        "overview.html": {"year": 2026, "rows": rows, "charts": views.overview_charts(rows),
                          "predikat_names": views.PREDIKAT_NAMES, "withheld": 2, "withheld_below": 5, **stamp},
        "units.html": {"year": 2026, "units": JP["units"]},
        "opd.html": {"unit_code": "DINKES", "year": 2026, "rows": views.staff_rows(STAFF, ELIGIBILITY), "q": "",
                     "below": True, "sort": "-jp", "backlog": {"0-5": 1}, "total": 3, **stamp},
        "dossier.html": {"d": DOSSIER, "as_of": date(2025, 12, 31), "chart": views.jp_chart(DOSSIER["jp_per_year"]),
                         "summary_of": views.summary_of, "can_travel": True, "rank": "III/a (31)", "standing": None},
        "complaints.html": {"year": 2026, "units": [UNIT], "cases": [CASE], "as_of": "2026-11-28",
                            "chart": views.stage_chart([UNIT], {}), "stages": views.OPEN_STAGES, **stamp},
        "system.html": {
            "projections": [{"name": "dossier", "position": 5, "lag_events": 0, "lag_seconds": 0.0}],
            "senders": [{"source": "lan-ri", "code": "contract-violated", "rejections": 2,
                         "last_rejected_at": "2026-11-28T01:02:03+00:00", "last_reason": "bad"}],
            "rejected": 2, "latest": [{"rejected_at": "2026-11-28T01:02:03+00:00", "source": "lan-ri",
                                       "event_type": "training-completed", "event_id": "e1", "subject": "s",
                                       "reason": "bad"}],
            "streams": {"reachable": True, "streams": [
                {"name": "INBOX", "messages": 3, "first_seq": 1, "last_seq": 3,
                 "consumers": [{"name": "ingest", "pending": 0, "ack_pending": 0, "redelivered": 0}]},
                {"name": "AUDIT", "messages": 0, "first_seq": 0, "last_seq": 0, "consumers": []},
            ]},
        },
        "audit.html": {"done": [RUN, RUN], "current": Progress("token x", datetime.now(UTC), total=10, done=4),
                       "checkpoints": [CheckpointLine(1, 10, "2026-11-28T01:00:00+00:00", "k1", True)],
                       "failed": None},
    }  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", sorted(contexts()))
def test_every_template_renders_in_both_languages_without_a_missing_word(template: str, lang: str) -> None:
    context = {"session": SESSION, **contexts()[template]}
    page = {"t": Words(lang), "lang": lang, "languages": LANGUAGES, "here": "/ui/"}
    html = TEMPLATES.get_template(template).render(page | context)
    assert f'<html lang="{lang}">' in html
    # A key missing from the tables shows as itself: a namespaced key ("stage.closure") is never real text.
    namespaces = {key.split(".", 1)[0] for key in Words("id")._table if "." in key}
    shown_keys = [word for word in namespaces if f">{word}." in html or f'"{word}.' in html]
    assert shown_keys == [], shown_keys


def test_what_senders_wrote_is_shown_as_text_never_as_markup() -> None:
    hostile = "<script>alert(1)</script>"
    rows = views.overview_rows(
        {"units": [{**JP["units"][0], "unit_name": hostile, "unit_code": "X</script><script>alert(2)//"}]},
        {"units": []},
        {"units": []},
    )
    context = {
        "year": 2026,
        "rows": rows,
        "charts": views.overview_charts(rows),
        "predikat_names": views.PREDIKAT_NAMES,
    }
    page = {"t": Words("id"), "lang": "id", "languages": LANGUAGES, "here": "/ui/", "session": SESSION}
    html = TEMPLATES.get_template("overview.html").render(page | context | {"position": 1, "policy": "p"})
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\u003c/script\\u003e" in html  # inside the chart's JSON, too


@pytest.mark.parametrize(("intact", "shown"), [(True, "system.chain_intact"), (None, "system.chain_unknown"),
                                               (False, "system.chain_rewritten")])  # fmt: skip
def test_the_system_page_says_whether_the_store_still_extends_the_audit_checkpoint(
    intact: bool | None, shown: str
) -> None:
    page = {"t": Words("id"), "lang": "id", "languages": LANGUAGES, "here": "/ui/sistem", "session": SESSION}
    html = TEMPLATES.get_template("system.html").render(page | contexts()["system.html"] | {"chain_intact": intact})
    words = Words("id")
    assert words(shown).split("`")[0] in html
    assert ('role="alert"' in html) is (intact is False)


@pytest.mark.parametrize("withheld", [0, 2])
def test_the_overview_says_when_public_figures_were_withheld(withheld: int) -> None:
    page = {"t": Words("id"), "lang": "id", "languages": LANGUAGES, "here": "/ui/", "session": SESSION}
    context = contexts()["overview.html"] | {"withheld": withheld}
    html = TEMPLATES.get_template("overview.html").render(page | context)
    assert ('id="withheld"' in html) is bool(withheld)
    if withheld:
        assert "Angka 2 unit tidak ditampilkan" in html
