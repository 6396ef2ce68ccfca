"""Hostile and odd chat inputs, reproducibly: what a fuzz of ``Bot.handle`` feeds it.

Each input is one message text of a kind picked at random: Thai, ASCII, mixed with digits and English,
control characters (NUL, escape sequences, bidi overrides, lone surrogates), emoji and combining-mark
pile-ups, very long text, whitespace only, and real questions with noise around them. Seeded, so a failure
names an input that can be replayed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

THAI = "กขคฆงจฉชซญดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุูเแโใไ็่้๊๋์ๆ๑๒๓"
ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_/()[]{}'\"@#$%&*+=<>"
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\u200b\u200d\u202e\u2066\ufeff\ud800\udfff\r\n\t"
EMOJI = "😀🙏🇹🇭👍🏽🔥✅❌🧑‍💻📅☎️"
QUESTIONS = (
    "กรมสรรพากรย้ายวันไหน",
    "v8 ใช้ได้ถึงวันไหน",
    "ติดตั้ง AcuConference 9 บน mac ยังไง",
    "กลุ่ม ๒ มีหน่วยงานอะไรบ้าง",
    "ขอคุยกับเจ้าหน้าที่",
    "สมัครรับแจ้งเตือน",
    "ลบข้อมูลของฉัน",
)


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def one_input(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return _pick(rng, THAI, rng.randint(1, 80))
    if kind == 1:
        return _pick(rng, ASCII, rng.randint(1, 80))
    if kind == 2:
        return _pick(rng, THAI + ASCII + "๑๒๓", rng.randint(1, 120))
    if kind == 3:
        return _pick(rng, THAI + CONTROLS, rng.randint(1, 60))
    if kind == 4:
        return _pick(rng, EMOJI + THAI, rng.randint(1, 40))
    if kind == 5:  # very long: a paste, a flood
        return _pick(rng, THAI + ASCII + EMOJI, rng.randint(2_000, 20_000))
    if kind == 6:  # marks without a base, piled up
        return "ก" + "่้๊๋ิีึื" * rng.randint(1, 200)
    if kind == 7:
        return rng.choice(("", " ", "\n\n", "\t \u3000", "\u200b"))
    question = rng.choice(QUESTIONS)
    return _pick(rng, CONTROLS + EMOJI, rng.randint(0, 5)) + question + _pick(rng, ASCII + CONTROLS, rng.randint(0, 10))


def inputs(count: int, seed: int = 12) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield one_input(rng)
