"""What the dashboard's pages show, made from the API's answers (no server needed)."""

from services.web.i18n import EN, ID, Words, language_of
from services.web.views import backlog_of, overview_charts, overview_rows, staff_rows, summary_of

JP = {"units": [
    {"unit_code": "DINKES", "unit_name": "Dinas Kesehatan", "employees": 10, "meeting_target": 4,
     "share_meeting_target": 0.4, "median_jp": 12.5, "without_jp": 3},
    {"unit_code": "BKPSDM", "unit_name": "BKPSDM", "employees": 5, "meeting_target": 5,
     "share_meeting_target": 1.0, "median_jp": 24.0, "without_jp": 0},
]}  # fmt: skip
DISTRIBUTION = {"units": [
    {"unit_code": "DINKES", "unit_predikat": "Baik", "employees": 10, "guideline_max_sangat_baik": 0.1,
     "deviates_from_guideline": True,
     "predikat": [{"predikat": 1, "employees": 2}, {"predikat": 2, "employees": 8}]},
]}  # fmt: skip
COMPLAINTS = {"units": [
    {"unit_code": "KEC-TALAWI", "received": 7, "open_backlog_by_age": {"0-5": 1, "6-10": 2, ">20": 1},
     "sla_breaches": {"verification": 1, "follow_up": 0, "closure": 2}, "leading_to_penalty": 1},
]}  # fmt: skip


def test_the_overview_joins_the_three_reports_per_unit_in_code_order() -> None:
    rewards = {"units": [{"unit_code": "DINKES", "granted": 3}, {"unit_code": None, "granted": 1}]}
    rows = overview_rows(JP, DISTRIBUTION, COMPLAINTS, rewards)
    assert [row.unit_code for row in rows] == ["BKPSDM", "DINKES", "KEC-TALAWI"]
    assert [row.rewards_granted for row in rows] == [None, 3, None]
    bkpsdm, dinkes, talawi = rows
    assert (dinkes.employees, dinkes.meeting_target, dinkes.predikat, dinkes.deviates_from_guideline) == (
        10, 4, {1: 2, 2: 8}, True,
    )  # fmt: skip
    assert (talawi.complaints_open, talawi.sla_breaches, talawi.employees) == (4, 3, None)
    assert bkpsdm.predikat == {}
    charts = overview_charts(rows)
    assert charts["jp"]["datasets"][0]["data"] == [100.0, 40.0, None]
    assert charts["predikat"]["datasets"][1]["data"] == [0, 8, 0]  # Baik per unit
    assert charts["complaints"]["datasets"][1]["data"] == [0, 0, 3]


STAFF = [
    {"nip": "198503122010011002", "name": "Budi Santoso", "asn_kind": "PNS", "jp": 8.0, "target": 20.0,
     "meets_target": False},
    {"nip": "199001012015012001", "name": "Ani Wijaya", "asn_kind": "PNS", "jp": 24.0, "target": 20.0,
     "meets_target": True},
    {"nip": "198807072019022003", "name": "Citra Lestari", "asn_kind": "PPPK", "jp": 0.0, "target": 20.0,
     "meets_target": False},
]  # fmt: skip
ELIGIBILITY = [
    {"nip": "199001012015012001", "karya_satya_due": ["201"], "karya_satya_barred": False,
     "performance_award_candidate": True, "promotion_ready": False, "last_predikat": 1, "last_predikat_year": 2026},
    {"nip": "198503122010011002", "karya_satya_due": [], "karya_satya_barred": False,
     "performance_award_candidate": False, "promotion_ready": False, "last_predikat": 3, "last_predikat_year": 2025},
]  # fmt: skip


def test_staff_rows_carry_flags_and_filter_and_sort_as_asked() -> None:
    rows = staff_rows(STAFF, ELIGIBILITY)
    assert [row.flags for row in rows] == [(), ("karya_satya", "award"), ()]
    assert [row.name for row in staff_rows(STAFF, ELIGIBILITY, sort="jp")] == [
        "Citra Lestari", "Budi Santoso", "Ani Wijaya",
    ]  # fmt: skip
    assert next(row.nip for row in staff_rows(STAFF, [], sort="-nip")) == "199001012015012001"
    assert [row.name for row in staff_rows(STAFF, [], only_below=True, sort="name")] == [
        "Budi Santoso", "Citra Lestari",
    ]  # fmt: skip
    assert [row.name for row in staff_rows(STAFF, [], text="  wIJ ")] == ["Ani Wijaya"]
    assert [row.name for row in staff_rows(STAFF, [], text="2019")] == ["Citra Lestari"]  # part of a NIP
    assert [row.name for row in staff_rows(STAFF, [], sort="drop table")] == [row["name"] for row in STAFF]
    by_predikat = staff_rows(STAFF, ELIGIBILITY, sort="predikat")
    assert [(row.name, row.predikat_name) for row in by_predikat] == [
        ("Ani Wijaya", "Sangat Baik"), ("Budi Santoso", "Butuh Perbaikan"), ("Citra Lestari", None),
    ]  # fmt: skip
    assert [row.name for row in staff_rows(STAFF, ELIGIBILITY, sort="-predikat")] == [
        "Budi Santoso", "Ani Wijaya", "Citra Lestari",
    ]  # the one without a predikat stays last  # fmt: skip


def test_backlog_and_summary() -> None:
    assert backlog_of(COMPLAINTS, "KEC-TALAWI") == {"0-5": 1, "6-10": 2, ">20": 1}
    assert backlog_of(COMPLAINTS, "DINKES") == {}
    assert summary_of({"jp": 40, "note": None, "extra": [], "a": 1, "title": "Latsar", "b": 2, "c": 3}) == (
        "title: Latsar; jp: 40; a: 1; b: 2"
    )
    training = {"hours": 24, "originator_id": "x", "recognised_jp": 24, "title": "Latsar", "scale": "national"}
    assert summary_of(training) == "recognised jp: 24; title: Latsar; hours: 24; scale: national"


def test_every_english_word_has_an_indonesian_original_and_gaps_show_as_keys() -> None:
    assert set(EN) <= set(ID)
    assert Words("en")("app") == "Jejak"  # falls back to the Indonesian table
    assert Words("id")("opd.title", unit="DINKES") == "Unit kerja DINKES"
    assert Words("en")("opd.title", unit="DINKES") == "Unit DINKES"
    assert Words("xx")("signin.title") == "Masuk"
    assert Words("en")("no.such.key") == "no.such.key"
    assert (language_of(None), language_of("en"), language_of("en", "id"), language_of("fr", "zz")) == (
        "id", "en", "id", "id",
    )  # fmt: skip
