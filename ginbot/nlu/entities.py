"""Find agencies, cohorts and platforms named in a message.

Pure given the agency table: no I/O except ``load_agencies_csv``. Every matcher
works on ``normalise()``d text, so spelling noise (Thai digits, repeated
letters, case) is already gone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from ginbot.nlu.text import dictionary_words, is_dictionary_word, normalise, tokens


@dataclass(frozen=True)
class AgencyEntry:
    id: str
    name_th: str
    abbr_th: str
    name_en: str
    abbr_en: str
    ministry_th: str
    cohort: int
    aliases: tuple[str, ...] = ()

    def surface_names(self) -> tuple[str, ...]:
        """Every name people may type for this agency (raw, not normalised)."""
        names = (self.name_th, self.abbr_th, self.name_en, self.abbr_en, *self.aliases)
        return tuple(n for n in names if n and n.strip())


@dataclass(frozen=True)
class AgencyCandidate:
    id: str
    name_th: str
    score: float
    # True for "did you mean" guesses below the acceptance cutoff: the caller
    # may offer them, but must not act on them.
    suggestion: bool = False


def load_agencies_csv(path: Path) -> list[AgencyEntry]:
    """Read ``data/agencies.csv`` (id,name_th,abbr_th,name_en,abbr_en,ministry_th,cohort,aliases)."""
    entries: list[AgencyEntry] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                cohort = int(row["cohort"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}: line {line}: column cohort: not a number") from exc
            entries.append(
                AgencyEntry(
                    id=(row.get("id") or "").strip(),
                    name_th=(row.get("name_th") or "").strip(),
                    abbr_th=(row.get("abbr_th") or "").strip(),
                    name_en=(row.get("name_en") or "").strip(),
                    abbr_en=(row.get("abbr_en") or "").strip(),
                    ministry_th=(row.get("ministry_th") or "").strip(),
                    cohort=cohort,
                    aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()),
                )
            )
    return entries


# --- agencies ---------------------------------------------------------------

# Thai surfaces this short (abbreviations such as "อย.", "สคบ", "กปภ") occur
# inside ordinary words ("อยาก", "น้อย."), so they only count when they line
# up with word boundaries from the tokenizer. Longer names are distinctive
# enough to match as plain substrings, which also survives odd segmentation.
_SHORT_THAI_CHARS = 5
# Without its dot a two-letter abbreviation ("ปค", "ทอ", "คน") is usually just
# a syllable of another word, so it must stand alone between spaces (or at the
# start/end of the message): "ปค", "ทำงานที่ ปค ครับ".
_BARE_THAI_CHARS = 2
# Fuzzy matching is only tried for names at least this long: below it one typo
# is a large share of the word and hits become noise.
_FUZZY_MIN_CHARS = 6
# Typos allowed, as Indel edits (a substitution is 2, a missing/extra letter 1),
# between a name and the best-aligned part of the message, by name length.
# Short names only forgive a missing or extra letter (usually a tone mark):
# with a substitution "สำนักงบ" would match every "สำนักงาน…".
_FUZZY_EDITS_BY_LENGTH = ((12, 3), (8, 2), (_FUZZY_MIN_CHARS, 1))
# "Did you mean" guesses are only offered for names this long, where a near
# miss is clearly an attempt at that name rather than a shared common word.
_SUGGEST_MIN_CHARS = 8
# Candidates scoring within this margin of the best are reported together so
# the dialogue asks "which one?" instead of guessing.
AMBIGUITY_MARGIN = 0.03
# Below the acceptance cutoff, guesses at least this close become "did you
# mean" suggestions; anything further is noise and dropped.
SUGGEST_MIN_SCORE = 0.85
MAX_SUGGESTIONS = 3
# Exact hits outrank any fuzzy hit; fuzzy scores are kept strictly below this.
_FUZZY_SCORE_CAP = 0.99
_TRIGRAM_SHARE = 0.5
_MAX_FUZZY_CANDIDATES = 12

_LATIN_WORD = re.compile(r"[a-z0-9]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


_Boundary = Literal["none", "tokens", "spaces", "latin"]


@dataclass(frozen=True)
class _Surface:
    text: str  # normalised
    entry: AgencyEntry
    boundary: _Boundary


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _is_latin(text: str) -> bool:
    return text.isascii()


class AgencyMatcher:
    """Resolve agency mentions: exact names/abbreviations/aliases first, then typos."""

    def __init__(self, entries: Iterable[AgencyEntry]) -> None:
        self.entries: tuple[AgencyEntry, ...] = tuple(sorted(entries, key=lambda e: e.id))
        self.words: frozenset[str] = dictionary_words(n for e in self.entries for n in e.surface_names())
        self._by_bigram: dict[str, list[_Surface]] = {}
        self._fuzzy: list[tuple[str, AgencyEntry]] = []
        self._trigram_index: dict[str, list[int]] = {}
        seen: set[tuple[str, str]] = set()
        for entry in self.entries:
            for raw in entry.surface_names():
                for form in self._forms(raw):
                    if (form, entry.id) in seen:
                        continue
                    seen.add((form, entry.id))
                    self._add_surface(form, entry)

    @staticmethod
    def _forms(raw: str) -> set[str]:
        norm = normalise(raw)
        if not norm:
            return set()
        stripped = norm.rstrip(".")
        return {f for f in (norm, stripped) if len(f) >= 2}

    def _add_surface(self, form: str, entry: AgencyEntry) -> None:
        boundary: _Boundary
        if _is_latin(form):
            boundary = "latin"
        elif len(form) <= _BARE_THAI_CHARS:
            boundary = "spaces"
        elif len(form) <= _SHORT_THAI_CHARS:
            boundary = "tokens"
        else:
            boundary = "none"
        self._by_bigram.setdefault(form[:2], []).append(_Surface(form, entry, boundary))
        if len(form) >= _FUZZY_MIN_CHARS:
            index = len(self._fuzzy)
            self._fuzzy.append((form, entry))
            for gram in _trigrams(form):
                self._trigram_index.setdefault(gram, []).append(index)

    # The public entry point normalises; the engine calls match_normalised with
    # what it already computed so a message is normalised and segmented once.
    def match(self, text: str) -> list[AgencyCandidate]:
        """Candidates for ``text``, best first; several when it is ambiguous."""
        norm = normalise(text)
        return self.match_normalised(norm, tokens(norm, self.words))

    def match_normalised(self, norm: str, toks: Sequence[str]) -> list[AgencyCandidate]:
        spans = self.exact_spans(norm, toks)
        if spans:
            return self.candidates_from_spans(spans)
        return self.fuzzy(norm, toks)

    def exact_spans(self, norm: str, toks: Sequence[str]) -> list[tuple[int, int, AgencyEntry]]:
        """Non-overlapping exact mentions as (start, end, entry), longest first."""
        hits: list[tuple[int, int, AgencyEntry]] = []
        bounds: tuple[set[int], set[int]] | None = None
        for i in range(len(norm) - 1):
            for surface in self._by_bigram.get(norm[i : i + 2], ()):
                if not norm.startswith(surface.text, i):
                    continue
                end = i + len(surface.text)
                if surface.boundary == "latin":
                    if (i > 0 and _LATIN_WORD.match(norm[i - 1])) or (
                        end < len(norm) and _LATIN_WORD.match(norm[end])
                    ):
                        continue
                elif surface.boundary == "spaces":
                    if (i > 0 and _THAI.match(norm[i - 1])) or (end < len(norm) and _THAI.match(norm[end])):
                        continue
                elif surface.boundary == "tokens":
                    if bounds is None:
                        bounds = _token_bounds(norm, toks)
                    if i not in bounds[0] or end not in bounds[1]:
                        continue
                hits.append((i, end, surface.entry))
        # Longest first, so "กรมการแพทย์แผนไทยฯ" hides the "กรมการแพทย์" inside it.
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0], h[2].id))
        kept: list[tuple[int, int, AgencyEntry]] = []
        for start, end, entry in hits:
            overlapping = [k for k in kept if start < k[1] and k[0] < end]
            # An overlapped shorter hit is part of a longer name: drop it. The
            # exact same span naming two agencies (a shared alias) is kept:
            # that is a genuine ambiguity for the dialogue to ask about.
            if any(k[2].id == entry.id for k in overlapping):
                continue
            if any((k[0], k[1]) != (start, end) for k in overlapping):
                continue
            kept.append((start, end, entry))
        return kept

    @staticmethod
    def candidates_from_spans(spans: Iterable[tuple[int, int, AgencyEntry]]) -> list[AgencyCandidate]:
        """One full-score candidate per agency among exact mentions, longest mention first."""
        result: list[AgencyCandidate] = []
        seen: set[str] = set()
        for _start, _end, entry in spans:
            if entry.id not in seen:
                seen.add(entry.id)
                result.append(AgencyCandidate(entry.id, entry.name_th, 1.0))
        return result

    def fuzzy(self, norm: str, toks: Sequence[str]) -> list[AgencyCandidate]:
        """Typo-tolerant candidates (see module constants); suggestions when none passes."""
        if len(norm) < _FUZZY_MIN_CHARS - 1:
            return []
        # Cheap pre-filter: only names sharing half their letter trigrams with
        # the message are scored, which keeps this at a few dozen comparisons.
        shared: dict[int, int] = {}
        for gram in _trigrams(norm):
            for index in self._trigram_index.get(gram, ()):
                shared[index] = shared.get(index, 0) + 1
        ranked = sorted(
            (
                (count / max(1, len(self._fuzzy[i][0]) - 2), i)
                for i, count in shared.items()
                if count / max(1, len(self._fuzzy[i][0]) - 2) >= _TRIGRAM_SHARE
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )[:_MAX_FUZZY_CANDIDATES]
        best: dict[str, tuple[float, bool, AgencyEntry]] = {}
        bounds: tuple[set[int], set[int]] | None = None
        for _share, index in ranked:
            form, entry = self._fuzzy[index]
            alignment = fuzz.partial_ratio_alignment(form, norm)
            if alignment is None:
                continue
            window = norm[alignment.dest_start : alignment.dest_end]
            if bounds is None:
                bounds = _token_bounds(norm, toks)
            if _inside_real_word(norm, alignment.dest_start, alignment.dest_end, bounds):
                continue
            edits = Indel.distance(form, window)
            allowed = next(edits for length, edits in _FUZZY_EDITS_BY_LENGTH if len(form) >= length)
            score = min(_FUZZY_SCORE_CAP, 1.0 - edits / (2 * len(form)))
            accepted = edits <= allowed
            if not accepted and (score < SUGGEST_MIN_SCORE or len(form) < _SUGGEST_MIN_CHARS):
                continue
            previous = best.get(entry.id)
            if previous is None or (accepted, score) > (previous[1], previous[0]):
                best[entry.id] = (score, accepted, entry)
        accepted_hits = sorted(
            ((s, e) for s, ok, e in best.values() if ok), key=lambda pair: (-pair[0], pair[1].id)
        )
        if accepted_hits:
            top = accepted_hits[0][0]
            return [
                AgencyCandidate(e.id, e.name_th, round(s, 3))
                for s, e in accepted_hits
                if top - s <= AMBIGUITY_MARGIN
            ]
        guesses = sorted(((s, e) for s, _ok, e in best.values()), key=lambda pair: (-pair[0], pair[1].id))
        return [
            AgencyCandidate(e.id, e.name_th, round(s, 3), suggestion=True) for s, e in guesses[:MAX_SUGGESTIONS]
        ]


def _inside_real_word(norm: str, start: int, end: int, bounds: tuple[set[int], set[int]]) -> bool:
    """True when the fuzzy window is the start or end of a longer ordinary word.

    "สำนักงบ" is one letter from "สำนักง", the start of "สำนักงาน": widening
    the window to whole tokens gives a dictionary word, so it is not a typo of
    the agency name but a different word. Real typos ("กรมสรรพกร") widen to
    nothing in the dictionary.
    """
    starts, ends = bounds
    wide_start = max((b for b in starts if b <= start), default=0)
    wide_end = min((b for b in ends if b >= end), default=len(norm))
    if (wide_start, wide_end) == (start, end):
        return False
    return any(is_dictionary_word(w) for w in norm[wide_start:wide_end].split())


def _token_bounds(norm: str, toks: Sequence[str]) -> tuple[set[int], set[int]]:
    """Start and end offsets of tokens in ``norm`` (tokens skip spaces)."""
    starts: set[int] = {0, len(norm)}
    ends: set[int] = {0, len(norm)}
    position = 0
    for tok in toks:
        found = norm.find(tok, position)
        if found < 0:
            continue
        starts.add(found)
        ends.add(found + len(tok))
        position = found + len(tok)
    return starts, ends


# --- cohorts ------------------------------------------------------------------

COHORTS: tuple[int, ...] = (1, 2, 3)
_COHORT_WORDS = {"หนึ่ง": 1, "แรก": 1, "สอง": 2, "สาม": 3, "สุดท้าย": 3}
_COHORT_NOUN = r"(?:กลุ่ม|รอบ|ชุด|เฟส|ระยะ|ล็อต|ลอต|group|cohort|batch|wave|phase|round|lot)"
_COHORT = re.compile(
    _COHORT_NOUN
    + r"\s*(?:ที่|no\.?|#)?\s*"
    + r"(?:(?P<digit>\d+)(?![\d.:])(?!\s*(?:โมง|ทุ่ม|นาฬิกา|น\.|นาที|ชั่วโมง|คน|วัน))"
    + r"|(?P<word>หนึ่ง|แรก|สอง|สาม|สุดท้าย))"
)


def match_cohort(text: str) -> int | None:
    """The cohort named in ``text`` (กลุ่ม 2, กลุ่มที่สอง, รอบแรก, cohort 1…), or None.

    Only 1–3 exist; "กลุ่ม 5" names no cohort, so it is None rather than a
    wrong number. A bare number ("v9", "9 โมง") never counts: a cohort noun
    must come first. "กลุ่มสุดท้าย" (the last group) is cohort 3.
    """
    norm = normalise(text)
    for found in _COHORT.finditer(norm):
        value = int(found["digit"]) if found["digit"] else _COHORT_WORDS[found["word"]]
        if value in COHORTS:
            return value
    return None


# --- platforms ----------------------------------------------------------------

Platform = Literal["windows", "macos", "android", "ios"]

# Latin words need word boundaries ("pc" must not fire inside "npc"); Thai
# words are distinctive enough as substrings. Brand names are included because
# people name their phone, not its OS ("ซัมซุง").
_PLATFORM_WORDS: dict[Platform, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "windows": (
        ("windows", "window", "win", "win7", "win8", "win10", "win11", "pc", "notebook", "laptop"),
        ("วินโดว์", "วินโดวส์", "วินโดว", "คอมพิวเตอร์", "คอมพ์", "คอม", "โน้ตบุ๊ก", "โน๊ตบุ๊ก", "โน้ตบุ๊ค", "โน๊ตบุ๊ค", "โน้ตบุค", "แล็ปท็อป", "แลปท็อป"),
    ),
    "macos": (
        ("mac", "macbook", "macos", "imac", "osx"),
        ("แมคบุ๊ก", "แมคบุ๊ค", "แม็คบุ๊ก", "แม็คบุ๊ค", "แมค", "แม็ค", "แมก"),
    ),
    "android": (
        ("android", "samsung", "oppo", "vivo", "xiaomi", "huawei", "realme"),
        ("แอนดรอยด์", "แอนดรอย", "แอนดรอยด", "ซัมซุง", "ออปโป้", "วีโว่", "เสียวหมี่", "หัวเว่ย"),
    ),
    "ios": (
        ("ios", "iphone", "ipad"),
        ("ไอโฟน", "ไอแพด", "ไอแพ็ด", "ไอโอเอส"),
    ),
}
# Thai "คอม" also starts "คอมเมนต์" and "คอมมิชชั่น": exclude those readings.
_NOT_COMPUTER = ("คอมเมน", "คอมมิ", "คอมโบ")
_PLATFORM_PATTERNS: tuple[tuple[Platform, re.Pattern[str]], ...] = tuple(
    (
        platform,
        re.compile(
            "|".join(
                [r"(?<![a-z0-9])" + re.escape(w) + r"(?:\s*\d+)?(?![a-z])" for w in latin]
                + [re.escape(w) for w in sorted(thai, key=len, reverse=True)]
            )
        ),
    )
    for platform, (latin, thai) in _PLATFORM_WORDS.items()
)
_MOBILE = re.compile(r"มือถือ|โทรศัพท์|สมาร์ทโฟน|สมาร์ตโฟน|แท็บเล็ต|แทบเล็ต|tablet|smartphone|mobile|phone")


def match_platform(text: str) -> Platform | None:
    """The device platform named in ``text``, or None.

    When two different platforms are named ("ใช้ windows หรือ mac ดี") the
    answer is None: guessing one would give half the users the wrong guide.
    "มือถือ" (a phone, OS unknown) is None too; see ``mentions_unnamed_mobile``.
    """
    norm = normalise(text)
    for bad in _NOT_COMPUTER:
        norm = norm.replace(bad, " ")
    found = {platform for platform, pattern in _PLATFORM_PATTERNS if pattern.search(norm)}
    return found.pop() if len(found) == 1 else None


def mentions_unnamed_mobile(text: str) -> bool:
    """True when ``text`` talks about a phone/tablet without saying which OS, so
    the dialogue can ask "Android หรือ iPhone?" instead of showing every guide."""
    return match_platform(text) is None and _MOBILE.search(normalise(text)) is not None
