"""How each kind of node looks, shared by the map page, its legend and the report.

Examples
--------
>>> KIND_STYLE["product"]["shape"], kind_name("product", "zh")
('dot', '产品')
>>> kind_name("unheard-of", "en")
'other'
"""

from __future__ import annotations

__all__ = ["KIND_STYLE", "KIND_ORDER", "NEED_COLOURS", "kind_name", "UI_FONT"]

#: kind -> colour, vis-network shape, node size, label font size and bilingual name, in legend order
KIND_STYLE = {
    "centre":    {"color": "#3d444d", "shape": "dot",          "size": 16, "font": 16, "zh": "中心（C）", "en": "centre (C)"},
    "need":      {"color": "#d62728", "shape": "hexagon",      "size": 26, "font": 20, "zh": "诉求",     "en": "need"},
    "value":     {"color": "#ff7f0e", "shape": "diamond",      "size": 18, "font": 16, "zh": "价值",     "en": "value"},
    "product":   {"color": "#1677ff", "shape": "dot",          "size": 20, "font": 20, "zh": "产品",     "en": "product"},
    "programme": {"color": "#9467bd", "shape": "triangle",     "size": 18, "font": 16, "zh": "计划",     "en": "programme"},
    "domain":    {"color": "#2ca02c", "shape": "square",       "size": 20, "font": 18, "zh": "域",       "en": "domain"},
    "scene":     {"color": "#17becf", "shape": "triangleDown", "size": 15, "font": 15, "zh": "场景",     "en": "scene"},
    "advantage": {"color": "#bcbd22", "shape": "star",         "size": 17, "font": 15, "zh": "核心优势", "en": "advantage"},
    "case":      {"color": "#e377c2", "shape": "star",         "size": 19, "font": 17, "zh": "案例",     "en": "case"},
    "practice":  {"color": "#8c564b", "shape": "triangleDown", "size": 15, "font": 14, "zh": "做法",     "en": "practice"},
    "fact":      {"color": "#7f7f7f", "shape": "dot",          "size": 8, "font": 12,  "zh": "数据",     "en": "fact"},
    "other":     {"color": "#a8a8a8", "shape": "square",       "size": 11, "font": 13, "zh": "其他",     "en": "other"},
}
KIND_ORDER = tuple(KIND_STYLE)

#: one colour per need, for coverage marks
NEED_COLOURS = {"SCALE": "#d62728", "ACTIVE": "#ff7f0e", "WORTH": "#2ca02c", "EFFICIENCY": "#1677ff"}

#: fonts that cover Chinese on Linux (WenQuanYi, Noto), macOS and Windows
UI_FONT = ('"WenQuanYi Zen Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", '
           '"Hiragino Sans GB", system-ui, sans-serif')


def kind_name(kind: str, lang: str) -> str:
    """The name of a node kind in ``lang`` (unknown kinds are 'other')."""
    return str(KIND_STYLE.get(kind, KIND_STYLE["other"])[lang])
