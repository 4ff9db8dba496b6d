"""Inline SVG bar charts (no JavaScript, no external assets): the report works offline."""

from __future__ import annotations

from html import escape

CHAR_W = 6.6  # average width of a 12 px system-ui character, for label room


def _svg(width: float, height: float, label: str) -> str:
    """An SVG that scales to its column: a viewBox, width 100%, never wider than drawn."""
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="100%" role="img" class="chart" '
        f'preserveAspectRatio="xMinYMin meet" style="max-width:{width:.0f}px" '
        f'aria-label="{escape(label)}">'
    )


def bars(items: list[tuple[str, int, str]], *, width: int = 640, label: str = "bar chart") -> str:
    """Horizontal bars: (label, value, href) each; the value is a link to its rows. Labels get
    the room their longest one needs (at most 45% of the width) and are cut with an ellipsis
    only beyond it, so none is clipped at the left edge."""
    if not items:
        return "<p><em>No data.</em></p>"
    row_h, top = 20, 4
    biggest = max(v for _, v, _ in items) or 1
    fit = int(width * 0.45 / CHAR_W)
    longest = max(len(t) for t, _, _ in items)
    label_width = round(min(longest, fit) * CHAR_W) + 12
    span = width - label_width - 8 - len(f"{biggest:,}") * CHAR_W
    parts = [_svg(width, top * 2 + row_h * len(items), label)]
    for i, (text, value, href) in enumerate(items):
        y = top + i * row_h
        w = max(1, round(span * value / biggest)) if value else 0
        short = text if len(text) <= fit else text[: fit - 1] + "\u2026"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(short)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{w}" height="{row_h - 6}" '
            f'fill="#3a6ea5"><title>{escape(text)}: {value:,}</title></rect>'
            f'<a href="{escape(href)}"><text x="{label_width + w + 4}" y="{y + 14}" '
            f'font-size="12" fill="#1a4f8a">{value:,}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(items: list[tuple[str, int]], *, height: int = 160, label: str = "column chart") -> str:
    """Vertical bars (e.g. searches per month, every month present) with the value above each
    bar when there is room; x labels turn 45 degrees when they would overlap."""
    if not items:
        return "<p><em>No data.</em></p>"
    biggest = max(v for _, v in items) or 1
    step = max(14.0, min(48.0, 900 / len(items)))
    bar_w = step * 0.75
    longest = max(len(t) for t, _ in items)
    slanted = longest * 6 > step
    bottom = round(longest * 6 * 0.75) + 12 if slanted else 18
    width = 16 + len(items) * step
    parts = [_svg(width, height + bottom, label)]
    for i, (text, value) in enumerate(items):
        x = 8 + i * step
        h = round((height - 20) * value / biggest)
        cx, ly = x + bar_w / 2, height + 12
        turn = (
            f' transform="rotate(-45 {cx:.1f} {ly})" text-anchor="end"'
            if slanted
            else (' text-anchor="middle"')
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h}" width="{bar_w:.1f}" height="{h}" fill="#3a6ea5">'
            f"<title>{escape(text)}: {value:,}</title></rect>"
            f'<text x="{cx:.1f}" y="{ly}" font-size="10"{turn}>{escape(text)}</text>'
        )
        if len(f"{value:,}") * 5.5 <= step:
            parts.append(
                f'<text x="{cx:.1f}" y="{height - h - 4}" font-size="10" '
                f'text-anchor="middle">{value:,}</text>'
            )
    parts.append(f'<line x1="0" x2="{width:.0f}" y1="{height}" y2="{height}" stroke="#999"/>')
    parts.append("</svg>")
    return "".join(parts)


def matrix_svg(rows: list[str], cols: list[str], cells: dict[tuple[str, str], int]) -> str:
    """A row x column matrix of counts, the shade growing with the count (zero cells blank)."""
    if not rows or not cols:
        return "<p><em>No sharing lists read.</em></p>"
    cell, left, top = 26, 34, 30
    biggest = max(cells.values()) or 1
    width, height = left + cell * len(cols) + 4, top + cell * len(rows) + 4
    parts = [_svg(width, height, "sharing matrix: owner state by recipient state")]
    for j, col in enumerate(cols):
        parts.append(
            f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" font-size="11" '
            f'text-anchor="middle">{escape(col)}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4}" font-size="11" text-anchor="end">'
            f"{escape(row)}</text>"
        )
        for j, col in enumerate(cols):
            n = cells.get((row, col), 0)
            shade = 0.12 + 0.88 * (n / biggest) ** 0.4 if n else 0
            parts.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="#3a6ea5" fill-opacity="{shade:.2f}" stroke="#ddd">'
                f"<title>{escape(row)} \u2192 {escape(col)}: {n:,}</title></rect>"
            )
            if n:
                ink = "#fff" if shade > 0.55 else "#222"
                parts.append(
                    f'<text x="{left + j * cell + cell / 2 - 1}" y="{y + cell / 2 + 3}" '
                    f'font-size="{8 if n >= 1000 else 9}" text-anchor="middle" fill="{ink}">'
                    f"{n}</text>"
                )
    parts.append("</svg>")
    return "".join(parts)
