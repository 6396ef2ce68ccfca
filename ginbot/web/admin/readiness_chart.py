"""The readiness chart over days as inline SVG, drawn on the server: no script, no CDN, prints as is.

One stacked bar per day (ready at the bottom, then problem, not installed, no answer), each segment with a
<title> so hovering shows the number; the legend and the axis labels are Thai. Pure: data in, markup out.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ginbot.core.readiness_report import DayCounts
from ginbot.nlu.thaidate import thai_date_short

# (field, Thai label, colour): colours readable by the colour-blind (blue / orange / vermilion / grey).
SERIES = (
    ("ready", "ใช้ได้แล้ว", "#0072b2"),
    ("problem", "มีปัญหา", "#e69f00"),
    ("not_installed", "ยังไม่ได้ติดตั้ง", "#d55e00"),
    ("no_answer", "ยังไม่ตอบ", "#bbbbbb"),
)
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 40, 36, 28


def chart_svg(days: Sequence[DayCounts], title: str) -> str:
    if not days:
        return ""
    peak = max(max(d.ready + d.problem + d.not_installed + d.no_answer for d in days), 1)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / len(days)
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<svg class="readiness-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - 4}" y2="{HEIGHT - BOTTOM}" stroke="#888"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11">{peak:,}</text>',
        f'<text x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end" font-size="11">0</text>',
    ]
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        x = LEFT + i * slot + (slot - bar) / 2
        y = float(HEIGHT - BOTTOM)
        for field, label, colour in SERIES:
            value = int(getattr(day, field))
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}" '
                f'data-day="{day.day.isoformat()}" data-series="{field}" data-value="{value}">'
                f"<title>{thai_date_short(day.day)}: {label} {value:,}</title></rect>"
            )
        if i % label_every == 0 or i == len(days) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" font-size="10">'
                f"{escape(thai_date_short(day.day).rsplit(' ', 1)[0])}</text>"
            )
    for j, (_field, label, colour) in enumerate(SERIES):
        lx = LEFT + j * 150
        parts.append(f'<rect x="{lx}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16}" y="16" font-size="12">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)
