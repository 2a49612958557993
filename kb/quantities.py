"""A quantitative fact as a reader reads it: the number, its bound, what it counts, its status.

:func:`value_text` writes the number of a fact (the ``facts`` of ``ccare show --format
json``, or :meth:`ccare.kb.model.Quantity.to_json`) the way the source's reader would say it: a
percentage names what it is a share of, a count names what it counts, a bound says "more
than" or "about", and Chinese counts use 万 and 亿 where the number is round in them.
:func:`status_text` adds what kind of figure it is and the date it holds at.

Examples
--------
>>> pct = {"value": 10, "unit": "PERCENT", "bound": "as-stated",
...        "counts": {"id": "weekly-orders", "labels": {"zh": "周交易订单", "en": "weekly transaction orders"}}}
>>> value_text(pct, "en"), value_text(pct, "zh")
('10% of weekly transaction orders', '10%（周交易订单）')
>>> users = {"value": 700_000_000, "unit": "NUM", "bound": "as-stated",
...          "counts": {"id": "users", "labels": {"zh": "用户", "en": "users"}}}
>>> value_text(users, "en"), value_text(users, "zh")
('700,000,000 users', '7亿 用户')
>>> more = dict(users, value=3000, bound="more-than",
...             counts={"id": "merchants", "labels": {"zh": "商家", "en": "merchants"}})
>>> value_text(more, "en"), value_text(more, "zh")
('more than 3,000 merchants', '超过 3,000 商家')
>>> value_text({"value": 22_000, "unit": "NUM", "bound": "as-stated", "counts": None}, "zh")
'2.2万'
>>> status_text({"status": "current", "as_of": "2023-08-17"}, "en", {"current": "current"}.get)
'current, as of 2023-08-17'
>>> status_text({"status": "current", "as_of": "2023-08-17"}, "zh", {"current": "目前"}.get)
'目前，截至 2023-08-17'
>>> fact_text(dict(pct, status="achieved", as_of="2023-08-17"), "zh", {"achieved": "已实现"}.get)
'10%（周交易订单），已实现，截至 2023-08-17'
"""

from __future__ import annotations

from typing import Callable

__all__ = ["number_text", "value_text", "status_text", "fact_text"]

_BOUND = {
    "en": {"more-than": "more than {n}", "approximately": "about {n}"},
    "zh": {"more-than": "超过 {n}", "approximately": "约 {n}"},
}


def number_text(value, lang: str = "en") -> str:
    """``value`` with thousands separators; in Chinese, in 亿 or 万 when round in them."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    if lang == "zh" and value == int(value):
        v = int(value)
        for size, word in ((100_000_000, "亿"), (10_000, "万")):
            if abs(v) >= size and (v * 10) % size == 0:  # at most one decimal in that unit
                whole, tenth = divmod(v * 10 // size, 10)
                return f"{whole:,}{'.' + str(tenth) if tenth else ''}{word}"
    return f"{value:,}"


def _label(entity: dict | None, lang: str) -> str:
    if not entity:
        return ""
    labels = entity.get("labels") or {}
    return labels.get(lang) or labels.get("en") or labels.get("zh") or entity.get("id", "")


def value_text(fact: dict, lang: str = "en") -> str:
    """The number of ``fact`` with its bound, its unit and what it counts, in ``lang``."""
    n = number_text(fact.get("value"), lang)
    counts = _label(fact.get("counts"), lang)
    if fact.get("unit") == "PERCENT":
        n += "%"
        bounded = _BOUND.get(lang, _BOUND["en"]).get(fact.get("bound") or "", "{n}").format(n=n)
        if not counts:
            return bounded
        return f"{bounded}（{counts}）" if lang == "zh" else f"{bounded} of {counts}"
    bounded = _BOUND.get(lang, _BOUND["en"]).get(fact.get("bound") or "", "{n}").format(n=n)
    return f"{bounded} {counts}".strip()


def status_text(fact: dict, lang: str = "en", label: Callable[[str], str | None] = lambda ident: None) -> str:
    """What kind of figure ``fact`` is and when it holds ("current, as of 2023-08-17"), or
    ``""``; ``label`` names a status id in ``lang`` (else the id is shown)."""
    status, as_of = fact.get("status"), fact.get("as_of")
    parts = []
    if status:
        parts.append(label(status) or status)
    if as_of:
        parts.append(f"截至 {as_of}" if lang == "zh" else f"as of {as_of}")
    return ("，" if lang == "zh" else ", ").join(parts)


def fact_text(fact: dict, lang: str = "en", label: Callable[[str], str | None] = lambda ident: None) -> str:
    """:func:`value_text` followed by :func:`status_text` in brackets, when there is one."""
    text, status = value_text(fact, lang), status_text(fact, lang, label)
    if not status:
        return text
    if lang != "zh":
        return f"{text} ({status})"
    return f"{text}，{status}" if text.endswith("）") else f"{text}（{status}）"
