"""Knowledge topic files (data/knowledge/*.yml): the loader's checks, and the shipped topics themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ginbot.errors import DataFileError
from ginbot.nlu.topics import (
    MAX_TITLE_CHARS,
    MIN_QUESTIONS,
    Topic,
    load_heldout_topics,
    load_topics,
    merge,
)

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "data" / "knowledge"
QUESTIONS = "".join(f'  - "คำถามที่ {n} เรื่องแชร์จอ"\n' for n in range(1, 9))


def topic_file(**overrides: str) -> str:
    parts = {
        "id": "id: share_screen\n",
        "title": "title: แชร์หน้าจอ\n",
        "questions": "questions:\n" + QUESTIONS,
        "answer": "answer: |-\n  กดปุ่มแชร์หน้าจอค่ะ\n",
    }
    parts.update(overrides)
    return "".join(parts.values())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_its_english_block(tmp_path: Path) -> None:
    text = topic_file() + 'links:\n  - {label: คู่มือ, url: "https://example.org/x"}\n'
    text += 'en:\n  title: Share screen\n  questions: ["how do I share my screen"]\n  answer: Use the share button.\n'
    write(tmp_path, "share_screen.yml", text)
    topics = load_topics(tmp_path)
    topic = topics.get("share_screen")
    assert topic is not None and topic.title == "แชร์หน้าจอ" and len(topic.questions) == MIN_QUESTIONS
    assert topic.links[0].url == "https://example.org/x"
    assert topic.en is not None and topic.phrasings()[-1] == "how do I share my screen"


@pytest.mark.parametrize(
    ("override", "line", "problem"),
    [
        ({"title": "title: ชื่อหัวข้อที่ยาวเกินกว่ายี่สิบตัวอักษรแน่นอน\n"}, 2, "'title' is"),
        ({"questions": 'questions:\n  - "แชร์จอ"\n'}, 3, "at least 8"),
        ({"id": "id: Share-Screen\n"}, 1, "lower_snake_case"),
        ({"answer": "answer:\n"}, 12, "'answer' must be non-empty text"),
        ({"answer": "answer: ok\nanswr: typo\n"}, 13, "unknown key 'answr'"),
        ({"answer": "answer: ok\nanswer: again\n"}, 13, "'answer' appears twice"),
        ({"questions": "questions:\n" + QUESTIONS + "  - 555\n"}, 12, "question 9 (555) is not text"),
        ({"questions": "questions:\n" + QUESTIONS + '  - "คำถามที่ 1  เรื่องแชร์จอ"\n'}, 12, "repeats question 1"),
        ({"answer": 'answer: ok\nlinks:\n  - {label: x, url: "ftp://x"}\n'}, 14, "not an http(s) address"),
        ({"answer": "answer: ok\nen:\n  title: T\n  answer: A\n"}, 13, "'questions' needs at least 1"),
        ({"title": "title: [unclosed\n"}, 3, "not valid YAML"),
    ],
)
def test_mistakes_name_the_file_and_line(tmp_path: Path, override: dict[str, str], line: int, problem: str) -> None:
    path = write(tmp_path, "share_screen.yml", topic_file(**override))
    with pytest.raises(DataFileError) as caught:
        load_topics(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert problem in message


def test_a_question_in_two_topics_names_both(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", topic_file())
    write(tmp_path, "b.yml", topic_file(id="id: other_topic\n"))
    with pytest.raises(DataFileError, match=r"b\.yml: question 'คำถามที่ 1 เรื่องแชร์จอ' is also a question of 'share_screen'"):
        load_topics(tmp_path)


def test_the_heldout_file_is_never_a_topic_and_a_missing_folder_is_no_topics(tmp_path: Path) -> None:
    write(tmp_path, "share_screen.yml", topic_file())
    write(tmp_path, "heldout.yml", 'topics:\n  share_screen:\n    - "ขอแชร์จอหน่อย"\n')
    assert [t.id for t in load_topics(tmp_path).topics] == ["share_screen"]
    assert [(q.topic, q.text) for q in load_heldout_topics(tmp_path)] == [("share_screen", "ขอแชร์จอหน่อย")]
    assert len(load_topics(tmp_path / "missing")) == 0


def test_merge_adds_stored_topics_and_phrasings_once() -> None:
    base = load_topics(KNOWLEDGE)
    created = Topic(id="parking", title="ที่จอดรถ", questions=(), answer="จอดได้ที่อาคาร B ค่ะ", source="database")
    merged = merge(base, [created], [("parking", "จอดรถตรงไหน"), ("share_screen", "แชร์จอให้ดูหน่อย"),
                                     ("share_screen", "แชร์จอให้ดูหน่อย"), ("gone_topic", "x")])  # fmt: skip
    parking = merged.get("parking")
    share = merged.get("share_screen")
    assert parking is not None and parking.questions == ("จอดรถตรงไหน",)
    assert share is not None and share.questions[-1] == "แชร์จอให้ดูหน่อย"
    assert share.questions.count("แชร์จอให้ดูหน่อย") == 1
    assert merged.get("gone_topic") is None and len(merged) == len(base) + 1


# --- the shipped topics --------------------------------------------------------------------------------------


def test_the_shipped_knowledge_covers_the_long_tail() -> None:
    topics = load_topics(KNOWLEDGE)
    assert len(topics) >= 40
    for topic in topics.topics:
        assert len(topic.title) <= MAX_TITLE_CHARS and len(topic.questions) >= MIN_QUESTIONS
        assert topic.en is not None and topic.en.questions, f"{topic.id}: write the en block"
        assert "ค่ะ" in topic.answer or "คะ" in topic.answer, f"{topic.id}: polite register"
    ids = {t.id for t in topics.topics}
    # The list, one topic each at least.
    assert ids >= {
        "mic_not_working", "no_sound", "echo_feedback", "camera_not_working", "share_screen", "recording",
        "meeting_minutes", "join_browser", "poor_network", "firewall_ports", "proxy_vpn", "tablet", "linux",
        "minimum_spec", "admin_rights", "v8_v9_side_by_side", "updates", "forgot_password", "account_locked",
        "new_staff_account", "room_code", "create_room", "schedule_meeting", "invite_outsiders", "capacity",
        "cost", "decree_identity", "decree_quorum_vote", "decree_records", "chat_in_meeting", "send_files",
        "display_name", "virtual_background",
    }  # fmt: skip


def test_every_shipped_topic_names_its_source_and_invents_no_port_price_or_limit() -> None:
    for path in sorted(KNOWLEDGE.glob("*.yml")):
        if path.name == "heldout.yml":
            continue
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#") and "Sources:" in text, f"{path.name}: say where the facts come from"
        answer = text.split("\nanswer:", 1)[1].split("\nen:", 1)[0]
        # No port numbers, prices or participant limits anywhere in an answer (nothing public states them).
        assert not re.search(r"(?i)\bport\s*\d|พอร์ต\s*\d|\d+\s*บาท|\d+\s*คน", answer), path.name


def test_heldout_questions_are_for_known_topics_and_never_trained_on() -> None:
    topics = load_topics(KNOWLEDGE)
    heldout = load_heldout_topics(KNOWLEDGE)
    trained = {"".join(q.split()).lower() for t in topics.topics for q in t.phrasings()}
    per_topic: dict[str, int] = {}
    for question in heldout:
        assert topics.get(question.topic) is not None, question
        assert "".join(question.text.split()).lower() not in trained, question.text
        per_topic[question.topic] = per_topic.get(question.topic, 0) + 1
    assert set(per_topic) == {t.id for t in topics.topics}
    assert min(per_topic.values()) >= 3
