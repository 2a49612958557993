"""A loop or path drawn as a static SVG (for the one-page report: no script needed).

Nodes sit on a circle (a loop, in order, clockwise from the top) or on a line (a path);
each step is a curved arrow with its number, so the two directions of a two-product loop
stay apart.  Every text goes through :func:`ccare.exports.safe.text`.

Examples
--------
>>> svg = walk_svg([("a", "<A>", "product"), ("b", "B", "need")],
...                [("a", "b", "userFlowsTo", False), ("b", "a", "dataFlowsTo", True)], closed=True)
>>> svg.startswith("<svg") and "&lt;A&gt;" in svg and svg.count("marker-end") == 2
True
"""

from __future__ import annotations

import math

from ccare.exports.safe import text
from ccare.exports.style import KIND_STYLE

__all__ = ["walk_svg"]

_W, _H = 720, 440
_R_NODE = 17


def _wrap(label: str, width: int = 16) -> list[str]:
    if len(label) <= width:
        return [label]
    if " " not in label:  # Chinese: cut by characters
        step = max(8, width // 2)
        return [label[i:i + step] for i in range(0, len(label), step)][:3]
    lines, line = [], ""
    for w in label.split(" "):
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return lines[:3]


def walk_svg(nodes, steps, *, closed: bool, added=(), title: str = "", height: int = _H,
             cycle: int | None = None) -> str:
    """SVG of a walk.

    ``nodes``: ``(id, label, kind)`` in order; ``steps``: ``(from, to, relation label,
    inferred)``; ``added``: ids to mark as added by a prescription (dashed ring).
    ``height``: of the drawing (its width is 720); ``cycle``: how many of ``nodes`` form
    the closed cycle (default all); the others (offerings supporting a product of the
    cycle) sit outside it, next to the product they support.
    """
    _H = max(160, int(height))
    n = len(nodes)
    pos = {}
    c = n if cycle is None else max(0, min(int(cycle), n))
    if closed and c > 1:
        rx, ry = (_W / 2 - 175, _H / 2 - 50) if c < n else (_W / 2 - 90, _H / 2 - 48)
        for i, (nid, _, _) in enumerate(nodes[:c]):
            a = (math.pi if c == 2 else -math.pi / 2) + 2 * math.pi * i / c  # two side by side
            pos[nid] = (_W / 2 + rx * math.cos(a), _H / 2 + ry * math.sin(a))
        # a supporting offering: outside the cycle, beside the product it supports (on the
        # side away from the centre), far enough for the step's number and relation to sit
        # between them; where the drawing has no room there, above or below it, outwards
        for j, (nid, _, _) in enumerate(nodes[c:]):
            target = next((pos[v] for u, v, _, _ in steps if u == nid and v in pos), (_W / 2, _H / 2))
            dx, dy = target[0] - _W / 2, target[1] - _H / 2
            d = math.hypot(dx, dy) or 1.0
            x = min(_W - 45, max(45, target[0] + math.copysign(130, dx)))
            y = min(_H - 50, max(30, target[1] + dy / d * 40 + 24 * j))
            if abs(x - target[0]) < 100:
                x = target[0] + 30 * j
                y = min(_H - 50, max(30, target[1] + (110 if dy > 0 else -110)))
            pos[nid] = (x, y)
    elif closed and n > 1:
        r = min(_W, _H) / 2 - 70
        for i, (nid, _, _) in enumerate(nodes):
            a = -math.pi / 2 + 2 * math.pi * i / n
            pos[nid] = (_W / 2 + r * math.cos(a) * 1.35, _H / 2 + r * math.sin(a))
    else:
        gap = (_W - 140) / max(1, n - 1)
        for i, (nid, _, _) in enumerate(nodes):
            pos[nid] = (70 + i * gap if n > 1 else _W / 2, _H / 2)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="100%" role="img" '
        f'aria-label="{text(title)}" class="walk">',
        "<defs>"
        '<marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#e8590c"/></marker>'
        '<marker id="arr-i" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#a3643b"/></marker>'
        "</defs>",
    ]
    for i, (u, v, rel, inferred) in enumerate(steps, 1):
        if u not in pos or v not in pos:
            continue
        (x1, y1), (x2, y2) = pos[u], pos[v]
        dx, dy = x2 - x1, y2 - y1
        d = math.hypot(dx, dy) or 1.0
        ux, uy = dx / d, dy / d
        sx, sy = x1 + ux * (_R_NODE + 3), y1 + uy * (_R_NODE + 3)
        ex, ey = x2 - ux * (_R_NODE + 5), y2 - uy * (_R_NODE + 5)
        # bulge to the left of the direction of travel: the two ways between a pair differ
        bulge = 0.18 * d if closed else 0.12 * d
        cx, cy = (sx + ex) / 2 + uy * bulge, (sy + ey) / 2 - ux * bulge
        colour = "#a3643b" if inferred else "#e8590c"
        dash = ' stroke-dasharray="6 4"' if inferred else ""
        marker = "arr-i" if inferred else "arr"
        out.append(f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" fill="none" '
                   f'stroke="{colour}" stroke-width="2.5"{dash} marker-end="url(#{marker})"/>')
        mx, my = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
        out.append(f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="10" fill="#fff" stroke="{colour}"/>'
                   f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" class="num">{i}</text>')
        # the relation beside its number, on the outer side of the curve: off the chord, off
        # the way back between the same two products, off the nodes
        lx, ly = mx + uy * 24, my - ux * 24
        anchor = "middle" if abs(uy) < 0.6 else ("start" if uy > 0 else "end")
        out.append(f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" class="rel">{text(rel)}</text>')
    added = set(added)
    for nid, label, kind in nodes:
        x, y = pos[nid]
        colour = str(KIND_STYLE.get(kind, KIND_STYLE["other"])["color"])
        ring = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{_R_NODE + 6}" fill="none" stroke="#e8590c" '
                f'stroke-width="2.5" stroke-dasharray="5 3"/>' if nid in added else "")
        out.append(f'{ring}<circle cx="{x:.1f}" cy="{y:.1f}" r="{_R_NODE}" fill="{colour}" '
                   'stroke="#1f2328" stroke-width="1.5"/>')
        lines = _wrap(label)
        # below the node, unless a step leaves it downwards (a supporting offering above the
        # product it supports): then above it, clear of the arrow
        down = any(u == nid and v in pos and pos[v][1] > y + _R_NODE * 2 and abs(pos[v][0] - x) < 60
                   for u, v, _, _ in steps)
        first = y - _R_NODE - 8 - 16 * (len(lines) - 1) if down else y + _R_NODE + 17
        for j, line in enumerate(lines):
            out.append(
                f'<text x="{x:.1f}" y="{first + j * 16:.1f}" text-anchor="middle" class="lbl">{text(line)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
