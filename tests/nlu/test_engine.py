"""Nlu.parse: the `ginbot parse` contract, and never crashing on odd input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginbot.core.intents import INTENTS
from ginbot.nlu.agencies import AgencyMatcher
from ginbot.nlu.agency_table import AgencyEntry
from ginbot.nlu.engine import MAX_ANALYSED_CHARS, Nlu, ParseResult
from ginbot.nlu.intents import IntentExample
from tests.nlu.conftest import FIXTURE_INTENTS, FIXTURES

# The contract's keys, plus "language" (th, en or null): what the answer's language follows.
CONTRACT_KEYS = {"text", "intent", "confidence", "agency", "agency_candidates", "cohort", "platform", "language", "topic"}


def _check_contract(result: ParseResult) -> dict[str, object]:
    data = result.to_json()
    assert set(data) == CONTRACT_KEYS
    assert data["intent"] in INTENTS
    assert 0.0 <= float(str(data["confidence"])) <= 1.0
    assert data["cohort"] in (None, 1, 2, 3)
    assert data["platform"] in (None, "windows", "macos", "android", "ios")
    assert data["language"] in (None, "th", "en")
    for candidate in [data["agency"], *list(data["agency_candidates"])]:  # type: ignore[call-overload]
        if candidate is not None:
            assert set(candidate) == {"id", "name_th", "score"}
    if data["topic"] is not None:
        assert set(data["topic"]) == {"id", "title", "score"}  # type: ignore[arg-type]
    json.dumps(data, ensure_ascii=False).encode("utf-8")
    return data


def test_contract_example(small_nlu: Nlu) -> None:
    data = _check_contract(small_nlu.parse("กรมสรรพากรย้ายวันไหน"))
    assert data["text"] == "กรมสรรพากรย้ายวันไหน"
    assert data["intent"] == "migration_date"
    assert data["agency"] == {"id": "rd", "name_th": "กรมสรรพากร", "score": 1.0}
    assert data["agency_candidates"] == [{"id": "rd", "name_th": "กรมสรรพากร", "score": 1.0}]
    assert data["cohort"] is None and data["platform"] is None
    assert data["language"] == "th"
    assert small_nlu.parse("When does the Revenue Department move?").to_json()["language"] == "en"


def test_entities_come_through(small_nlu: Nlu) -> None:
    data = _check_contract(small_nlu.parse("กลุ่ม ๒ ติดตั้ง v9 บน mac ยังไง"))
    assert (data["cohort"], data["platform"], data["intent"]) == (2, "macos", "install_v9")


def test_ambiguous_agency_is_not_resolved(small_nlu: Nlu) -> None:
    result = small_nlu.parse("กรมทาง ย้ายวันไหน")
    assert result.agency is None
    assert sorted(c.id for c in result.agency_candidates) == ["doh", "drr"]


def test_suggestions_are_listed_but_not_resolved(small_nlu: Nlu) -> None:
    result = small_nlu.parse("กรมสรรพ")
    assert result.agency is None
    assert result.agency_candidates and result.agency_candidates[0].suggestion


def test_agency_names_are_masked_for_the_classifier(small_nlu: Nlu) -> None:
    # An agency the intent examples never mention still reads as "<agency> ย้ายวันไหน".
    assert small_nlu.prepare("กรมการปกครองย้ายวันไหน").text == small_nlu.prepare("กรมอนามัยย้ายวันไหน").text
    assert small_nlu.parse("กรมอนามัยย้ายวันไหน").intent == "migration_date"


def test_mobile_without_os_is_flagged(small_nlu: Nlu) -> None:
    result = small_nlu.parse("ลงในมือถือยังไง")
    assert result.platform is None and result.mobile_unspecified


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02",
        "😀😀😀",
        "\u200b\u200b",
        "Привет, как дела?",
        "こんにちは世界",
        "مرحبا",
        "ก" * 10_000,
        "กรมสรรพากร " * 2_000,
        "\ud800 lone surrogate",
    ],
)
def test_garbage_gives_a_valid_result(small_nlu: Nlu, text: str) -> None:
    data = _check_contract(small_nlu.parse(text))
    assert data["text"] == text.encode("utf-8", "replace").decode("utf-8")


def test_empty_text_is_fallback(small_nlu: Nlu) -> None:
    assert small_nlu.parse("").intent == "fallback"
    assert small_nlu.parse("😀😀😀").intent == "fallback"


def test_long_text_only_analyses_the_start(small_nlu: Nlu) -> None:
    tail = "กรมสรรพากร"
    result = small_nlu.parse("ก " * MAX_ANALYSED_CHARS + tail)
    assert result.agency_candidates == ()


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_parses(small_nlu: Nlu, text: str) -> None:
    _check_contract(small_nlu.parse(text))


@given(
    st.lists(
        st.sampled_from(["กรม", "สรรพากร", "อย.", "v9", "กลุ่ม", "2", " ", "😀", "\x00", "mac", "ครับบบ", "๒"]),
        max_size=30,
    ).map("".join)
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_domain_soup_parses(small_nlu: Nlu, text: str) -> None:
    _check_contract(small_nlu.parse(text))


def test_retrain_learns_new_examples(agencies: list) -> None:  # type: ignore[type-arg]
    from tests.nlu.conftest import FIXTURE_INTENTS

    nlu = Nlu.from_paths(FIXTURE_INTENTS, agencies)
    probe = "ขอลิงก์ดาวน์โหลดหน่อย"
    assert nlu.parse(probe).intent != "download"
    nlu.retrain(
        [
            IntentExample("ขอลิงก์ดาวน์โหลด", "download"),
            IntentExample("ดาวน์โหลดที่ไหน", "download"),
            IntentExample("ลิงก์โหลดโปรแกรม", "download"),
        ]
    )
    assert nlu.parse(probe).intent == "download"
    assert IntentExample("ดาวน์โหลดที่ไหน", "download") in nlu.examples


@pytest.mark.parametrize("text", ["Привет, как дела?", "こんにちは", "مرحبا", "😀😀", "\x00"])
def test_text_with_nothing_known_is_fallback(small_nlu: Nlu, text: str) -> None:
    result = small_nlu.parse(text)
    assert (result.intent, result.confidence) == ("fallback", 1.0)


def test_a_text_seen_again_is_answered_alike_and_an_agency_import_is_seen_at_once(
    agencies: list[AgencyEntry],
) -> None:
    """Parses of texts seen again are kept, but never outlive the agency list (or the models) they came from."""
    nlu = Nlu.from_paths(FIXTURE_INTENTS, agencies, knowledge_dir=FIXTURES / "no-knowledge")
    question = "กรมหม่อนไหมย้ายวันไหน"
    first = nlu.parse(question)
    assert nlu.parse(question) == first
    assert first.agency is None or first.agency.id != "silk"
    silk = AgencyEntry("silk", "กรมหม่อนไหม", "มม.", "Queen Sirikit Department of Sericulture", "QSDS", "กษ", 3)
    nlu.matcher = AgencyMatcher([*agencies, silk])  # as wiring.refresh_agencies does after an import
    again = nlu.parse(question)
    assert again.agency is not None and again.agency.id == "silk"
