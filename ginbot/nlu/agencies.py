"""Find which government agency a message names: exact names first, then typos.

Pure given the agency table (see agency_table.py). Works on ``normalise()``d
text and its tokens, which the engine computes once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from ginbot.nlu.agency_table import (
    ORG_PREFIXES,
    AgencyCandidate,
    AgencyEntry,
    AgencyResolution,
    Mention,
    name_cores,
    surface_forms,
)
from ginbot.nlu.text import dictionary_words, is_dictionary_word, normalise, tokens

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
# Candidates scoring within this margin of the best are reported together so
# the dialogue asks "which one?" instead of guessing.
AMBIGUITY_MARGIN = 0.03
# Below the acceptance cutoff, guesses at least this close to a name of at
# least _SUGGEST_MIN_CHARS become "did you mean" suggestions; shorter names
# share too much with ordinary words for a near miss to mean anything.
SUGGEST_MIN_SCORE = 0.85
_SUGGEST_MIN_CHARS = 8
MAX_SUGGESTIONS = 3
# Exact hits outrank any fuzzy hit; fuzzy scores are kept strictly below this.
_FUZZY_SCORE_CAP = 0.99
# Pre-filter: only names sharing this share of their letter trigrams with the
# message are aligned, which keeps fuzzy matching to a handful of comparisons.
_TRIGRAM_SHARE = 0.5
_MAX_FUZZY_CANDIDATES = 12

_LATIN_WORD = re.compile(r"[a-z0-9]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
# "Xฯ" (ไปยาลน้อย) abbreviates a name that starts with X. The stem must be
# long enough to say something ("กรมฯ" alone names nobody).
_CUT_SHORT = re.compile(r"(?P<stem>[\u0e01-\u0e2e\u0e30-\u0e4e]{3,})ฯ")
_CUT_SHORT_SCORE = 0.95
# A stem shared by more agencies than this is a generic word, not a name.
_CUT_SHORT_MAX = 3
_Boundary = Literal["none", "tokens", "spaces", "latin"]


@dataclass(frozen=True)
class _Surface:
    text: str  # normalised
    entry: AgencyEntry
    boundary: _Boundary


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


class AgencyMatcher:
    """Resolve agency mentions: exact names/abbreviations/aliases first, then typos."""

    def __init__(self, entries: Iterable[AgencyEntry]) -> None:
        self.entries: tuple[AgencyEntry, ...] = tuple(sorted(entries, key=lambda e: e.id))
        self.words: frozenset[str] = dictionary_words(n for e in self.entries for n in e.surface_names())
        self._by_bigram: dict[str, list[_Surface]] = {}
        self._fuzzy: list[tuple[str, AgencyEntry]] = []
        self._trigram_index: dict[str, list[int]] = {}
        self._trigram_count: list[int] = []
        self._trigrams_needed: list[float] = []
        self._cores: dict[str, tuple[str, ...]] = {}
        for entry in self.entries:
            forms = sorted({f for raw in entry.surface_names() for f in surface_forms(raw)})
            for form in forms:
                self._add_surface(form, entry)
            self._cores[entry.id] = tuple(
                {core for form in forms if not form.isascii() for core in name_cores(form)}
            )

    def _add_surface(self, form: str, entry: AgencyEntry) -> None:
        boundary: _Boundary
        if form.isascii():
            boundary = "latin"
        elif len(form) <= _BARE_THAI_CHARS:
            boundary = "spaces"
        elif len(form) <= _SHORT_THAI_CHARS:
            boundary = "tokens"
        else:
            boundary = "none"
        self._by_bigram.setdefault(form[:2], []).append(_Surface(form, entry, boundary))
        if len(form) >= _FUZZY_MIN_CHARS:
            grams = _trigrams(form)
            self._fuzzy.append((form, entry))
            self._trigram_count.append(len(grams))
            self._trigrams_needed.append(_TRIGRAM_SHARE * len(grams))
            for gram in grams:
                self._trigram_index.setdefault(gram, []).append(len(self._fuzzy) - 1)

    def match(self, text: str) -> list[AgencyCandidate]:
        """Candidates for ``text``, best first; several when it is ambiguous."""
        norm = normalise(text)
        return list(self.resolve(norm, tokens(norm, self.words)).candidates)

    def resolve(self, norm: str, toks: Sequence[str]) -> AgencyResolution:
        """Mentions and candidates in already normalised and segmented text."""
        spans = _token_spans(norm, toks)
        mentions = self._exact(norm, spans)
        accepted, guesses = self._fuzzy_hits(norm, spans, skip={m.entry.id for m in mentions})
        accepted += self._cut_short(norm)
        # Inexact hits on the same words form one group ("ทางหลวงฯ": กรมทางหลวง
        # or กรมทางหลวงชนบท). A group longer than the exact names it overlaps
        # replaces them: "กรมทางหลวงชนบถ" is กรมทางหลวงชนบท, not the exact
        # "กรมทางหลวง" inside it. Equal spans add to the ambiguity.
        groups: dict[tuple[int, int], list[Mention]] = {}
        for hit in accepted:
            groups.setdefault((hit.start, hit.end), []).append(hit)
        for (start, end), hits in sorted(groups.items(), key=lambda g: (g[0][0] - g[0][1], g[0][0])):
            inside = [m for m in mentions if m.start < end and start < m.end]
            if all((m.start, m.end) == (start, end) for m in inside):
                named = {m.entry.id for m in inside}
                mentions += [h for h in hits if h.entry.id not in named]
            elif all(end - start > m.end - m.start for m in inside):
                mentions = [m for m in mentions if m not in inside] + hits
        if mentions:
            ordered = sorted(mentions, key=lambda m: (-m.score, m.start - m.end, m.start, m.entry.id))
            top = ordered[0].score
            candidates: list[AgencyCandidate] = []
            for m in ordered:
                if top - m.score <= AMBIGUITY_MARGIN and all(c.id != m.entry.id for c in candidates):
                    candidates.append(AgencyCandidate(m.entry.id, m.entry.name_th, round(m.score, 3)))
            return AgencyResolution(tuple(mentions), tuple(candidates))
        return AgencyResolution(
            (), tuple(AgencyCandidate(e.id, e.name_th, round(s, 3), suggestion=True) for s, e in guesses)
        )

    def _cut_short(self, norm: str) -> list[Mention]:
        """Names cut short with "ฯ" ("กรมชลฯ", "ขนส่งฯ"): every agency whose
        name, with or without its กรม/สำนักงาน… prefix, starts with the stem."""
        hits: list[Mention] = []
        for found in _CUT_SHORT.finditer(norm):
            stem = found["stem"]
            if stem in ORG_PREFIXES:
                continue
            named = [e for e in self.entries if any(c.startswith(stem) for c in self._cores[e.id])]
            if len(named) <= _CUT_SHORT_MAX:
                hits += [Mention(found.start(), found.end(), e, _CUT_SHORT_SCORE) for e in named]
        return hits

    def _exact(self, norm: str, spans: Sequence[_TokenSpan]) -> list[Mention]:
        get = self._by_bigram.get
        found = [
            (i, surface)
            for i in range(len(norm) - 1)
            for surface in get(norm[i : i + 2], ())
            if norm.startswith(surface.text, i)
        ]
        if not found:
            return []
        starts = {0, len(norm)} | {s for s, _, _ in spans}
        ends = {0, len(norm)} | {e for _, e, _ in spans}
        hits: list[Mention] = []
        for i, surface in found:
            end = i + len(surface.text)
            before = norm[i - 1] if i > 0 else " "
            after = norm[end] if end < len(norm) else " "
            if surface.boundary == "latin" and (_LATIN_WORD.match(before) or _LATIN_WORD.match(after)):
                continue
            if surface.boundary == "spaces" and (_THAI.match(before) or _THAI.match(after)):
                continue
            if surface.boundary == "tokens" and (i not in starts or end not in ends):
                continue
            if surface.boundary == "none" and _cuts_a_word(i, end, spans, self.words):
                continue
            hits.append(Mention(i, end, surface.entry, 1.0))
        # Longest first, so "กรมการแพทย์แผนไทยฯ" hides the "กรมการแพทย์" inside it.
        hits.sort(key=lambda m: (m.start - m.end, m.start, m.entry.id))
        kept: list[Mention] = []
        for hit in hits:
            inside = [k for k in kept if _overlaps(k, hit)]
            # A shorter hit overlapping a kept one is part of a longer name:
            # drop it. The same span naming two agencies (a shared alias) is
            # kept: a genuine ambiguity for the dialogue to ask about.
            if any(k.entry.id == hit.entry.id or (k.start, k.end) != (hit.start, hit.end) for k in inside):
                continue
            kept.append(hit)
        return kept

    def _fuzzy_hits(
        self, norm: str, spans: Sequence[_TokenSpan], skip: set[str]
    ) -> tuple[list[Mention], list[tuple[float, AgencyEntry]]]:
        """Accepted typo matches, and "did you mean" guesses (best first).

        Agencies in ``skip`` (already named exactly) are not aligned again.
        """
        index = self._trigram_index
        shared = Counter(chain.from_iterable(index[g] for g in _trigrams(norm) if g in index))
        needed = self._trigrams_needed
        fuzzy = self._fuzzy
        ranked = sorted(
            (-count / self._trigram_count[i], i)
            for i, count in shared.items()
            if count >= needed[i] and fuzzy[i][1].id not in skip
        )[:_MAX_FUZZY_CANDIDATES]
        accepted: dict[str, Mention] = {}
        guesses: dict[str, tuple[float, AgencyEntry]] = {}
        for _share, position in ranked:
            form, entry = self._fuzzy[position]
            alignment = fuzz.partial_ratio_alignment(form, norm)
            if alignment is None:
                continue
            window = _best_window(form, norm, alignment.dest_start, alignment.dest_end, spans, self.words)
            if window is None:
                continue
            edits, start, end = window
            allowed = next(n for length, n in _FUZZY_EDITS_BY_LENGTH if len(form) >= length)
            score = min(_FUZZY_SCORE_CAP, 1.0 - edits / (2 * len(form)))
            if edits <= allowed:
                # Per agency keep the match covering most of the message (a
                # long typo'd name, not a short alias inside it), then the closest.
                previous = accepted.get(entry.id)
                if previous is None or (end - start, score) > (previous.end - previous.start, previous.score):
                    accepted[entry.id] = Mention(start, end, entry, score)
            elif score >= SUGGEST_MIN_SCORE and len(form) >= _SUGGEST_MIN_CHARS:
                guesses[entry.id] = max(
                    guesses.get(entry.id, (0.0, entry)), (score, entry), key=lambda g: g[0]
                )
        best_guesses = sorted(guesses.values(), key=lambda g: (-g[0], g[1].id))[:MAX_SUGGESTIONS]
        return list(accepted.values()), best_guesses


_TokenSpan = tuple[int, int, str]
# How far (in characters) a fuzzy window may be moved to line up with word edges.
_WINDOW_SLACK = 3


def _best_window(
    form: str, norm: str, start: int, end: int, spans: Sequence[_TokenSpan], own_words: frozenset[str]
) -> tuple[int, int, int] | None:
    """(edits, start, end) of the closest match of ``form`` around [start, end).

    The character-level alignment ignores word edges, and a typo upsets the
    segmenter around it ("กรมอนามยค่ะ" -> กร|มอ|นาม|ย|ค่ะ), so the alignment
    is also tried snapped to nearby token edges; windows that cut an ordinary
    word in two are not allowed (see ``_cuts_a_word``).
    """
    options: list[tuple[int, int, int]] = []
    if not _cuts_a_word(start, end, spans, own_words):
        options.append((Indel.distance(form, norm[start:end]), start, end))
    near_starts = [s for s, _, _ in spans if abs(s - start) <= _WINDOW_SLACK]
    near_ends = [e for _, e, _ in spans if abs(e - end) <= _WINDOW_SLACK]
    options += [(Indel.distance(form, norm[s:e]), s, e) for s in near_starts for e in near_ends if e > s]
    return min(options) if options else None


def _cuts_a_word(start: int, end: int, spans: Sequence[_TokenSpan], own_words: frozenset[str]) -> bool:
    """True when [start, end) begins or ends strictly inside an ordinary word.

    "กรมอนามัย" is two letters from "กอนามัย" in "หน้ากากอนามัย" (a face
    mask), and "สำนักงบ" one letter from "สำนักง", the start of "สำนักงาน":
    in both the match cuts a dictionary word of the message in two, so it is
    a different word, not a typo of the agency name. Real typos
    ("กรมสรรพกร") and real mentions line up with word edges or cut only
    tokens that are not ordinary dictionary words.
    """
    return any(
        (tok_start < start < tok_end or tok_start < end < tok_end)
        and word not in own_words
        and is_dictionary_word(word)
        for tok_start, tok_end, word in spans
    )


def _token_spans(norm: str, toks: Sequence[str]) -> list[_TokenSpan]:
    """(start, end, token) for each token in ``norm`` (tokens skip spaces)."""
    spans: list[_TokenSpan] = []
    position = 0
    for tok in toks:
        found = norm.find(tok, position)
        if found < 0:
            continue
        spans.append((found, found + len(tok), tok))
        position = found + len(tok)
    return spans
