"""Inline SVG bar charts (no JavaScript, no external assets): the report works offline."""

from __future__ import annotations

from html import escape


def bars(items: list[tuple[str, int, str]], *, width: int = 640, label_width: int = 230) -> str:
    """Horizontal bars: (label, value, href) each; the value is a link to its rows."""
    if not items:
        return "<p><em>No data.</em></p>"
    row_h, top = 20, 4
    biggest = max(v for _, v, _ in items) or 1
    span = width - label_width - 80
    parts = [
        f'<svg width="{width}" height="{top * 2 + row_h * len(items)}" role="img" class="chart">'
    ]
    for i, (label, value, href) in enumerate(items):
        y = top + i * row_h
        w = max(1, round(span * value / biggest)) if value else 0
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(short)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{w}" height="{row_h - 6}" '
            f'fill="#3a6ea5"><title>{escape(label)}: {value:,}</title></rect>'
            f'<a href="{escape(href)}"><text x="{label_width + w + 6}" y="{y + 14}" '
            f'font-size="12" fill="#1a4f8a">{value:,}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(items: list[tuple[str, int]], *, height: int = 160, bar_w: int = 28) -> str:
    """Vertical bars (e.g. searches per month) with the value above each bar."""
    if not items:
        return "<p><em>No data.</em></p>"
    biggest = max(v for _, v in items) or 1
    width = 40 + len(items) * (bar_w + 8)
    parts = [f'<svg width="{width}" height="{height + 40}" role="img" class="chart">']
    for i, (label, value) in enumerate(items):
        x = 20 + i * (bar_w + 8)
        h = round((height - 20) * value / biggest)
        parts.append(
            f'<rect x="{x}" y="{height - h}" width="{bar_w}" height="{h}" fill="#3a6ea5">'
            f"<title>{escape(label)}: {value:,}</title></rect>"
            f'<text x="{x + bar_w / 2}" y="{height - h - 4}" font-size="10" '
            f'text-anchor="middle">{value:,}</text>'
            f'<text x="{x + bar_w / 2}" y="{height + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
