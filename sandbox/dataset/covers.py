"""Album covers for the sandbox products: a small SVG drawn from the title alone.

The simulators and the demo serve these themselves, so product pictures load with no network
and every run draws the same picture for the same product.
"""

from __future__ import annotations

import hashlib
from html import escape

COVER_SIZE = 240


def cover_alt(title: str) -> str:
    """The picture's alt text, as a merchant would write it."""
    return f"Cover of {title}"


def cover_svg(title: str) -> str:
    """A square cover: two colours picked from the title's hash, the title in up to two lines."""
    digest = hashlib.sha256(title.encode()).digest()
    hue = digest[0] * 360 // 256
    accent = (hue + 40 + digest[1] % 120) % 360
    words, lines = title.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + len(word) > 14 and len(lines) < 3:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    text = "".join(f'<text x="20" y="{170 + 28 * i}">{escape(line)}</text>' for i, line in enumerate(lines))
    size = COVER_SIZE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{escape(cover_alt(title))}">'
        f'<rect width="{size}" height="{size}" fill="hsl({hue} 45% 32%)"/>'
        f'<circle cx="170" cy="78" r="{42 + digest[2] % 24}" fill="hsl({accent} 70% 62%)"/>'
        f'<g fill="#fff" font-family="sans-serif" font-size="22" font-weight="700">{text}</g></svg>'
    )
