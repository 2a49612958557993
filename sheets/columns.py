"""The sheets of a map sheet and their columns; finding columns by their headers.

Every header ccare writes is bilingual, ``"id / 编号"``.  A header is recognised by
either half or the whole, in any case, with spaces, ``_`` and ``-`` alike, so a
strategist may write ``编号``, ``ID`` or ``label_zh``.  Columns may come in any order;
unknown columns are ignored (and reported), two columns for one field are an error.

Examples
--------
>>> SHEETS["entities"].field_of("中文名称"), SHEETS["entities"].field_of("Label ZH")
('label_zh', 'label_zh')
>>> SHEETS["relations"].field_of("object / 宾语"), SHEETS["relations"].field_of("colour")
('object', None)
>>> sheet_named("证据").name, sheet_named("Facts").name, sheet_named("notes")
('evidence', 'facts', None)
>>> column_letter(0), column_letter(27)
('A', 'AB')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Column", "Sheet", "SHEETS", "ORDER", "sheet_named", "column_letter", "norm", "MULTI"]

#: Separator of several values in one cell (types, alternative labels, what a fact measures).
MULTI = ";"


def norm(text: str) -> str:
    """A header or sheet name as compared: case-folded, runs of space, ``_``, ``-`` as one ``_``."""
    return re.sub(r"[\s_\-]+", "_", str(text).strip().casefold()).strip("_")


@dataclass(frozen=True)
class Column:
    """One column: its ``field`` (the key ccare uses), English and Chinese headers, other
    accepted names, and whether a sheet must have it."""

    field: str
    en: str
    zh: str
    required: bool = False
    aliases: tuple = ()

    @property
    def header(self) -> str:
        """The header ccare writes: both languages."""
        return f"{self.en} / {self.zh}"

    def names(self) -> set:
        out = {norm(self.en), norm(self.zh), norm(self.header), norm(self.field)}
        out |= {norm(a) for a in self.aliases}
        return out


@dataclass(frozen=True)
class Sheet:
    """One sheet: its ``name`` (the ``.xlsx`` sheet and the CSV file ``name.csv``), its
    Chinese name, and its columns."""

    name: str
    zh: str
    columns: tuple

    def column(self, field: str) -> Column:
        for c in self.columns:
            if c.field == field:
                return c
        raise KeyError(field)

    def field_of(self, header) -> str | None:
        """The field a header names, or None."""
        key = norm(header)
        if not key:
            return None
        for c in self.columns:
            if key in c.names():
                return c.field
        if " / " in str(header):  # "id / 编号" written by hand with other words on one side
            for half in str(header).split(" / "):
                f = self.field_of(half)
                if f:
                    return f
        return None

    @property
    def required(self) -> tuple:
        return tuple(c.field for c in self.columns if c.required)


C = Column

SHEETS = {
    "entities": Sheet("entities", "实体", (
        C("id", "id", "编号", True, ("identifier", "标识")),
        C("type", "type", "类型", True, ("class", "types", "类")),
        C("label_zh", "label (zh)", "中文名称", False, ("label_zh", "zh label", "中文标签", "名称")),
        C("label_en", "label (en)", "英文名称", False, ("label_en", "en label", "english label", "name", "英文标签")),
        C("definition_zh", "definition (zh)", "中文定义", False, ("definition_zh", "定义")),
        C("definition_en", "definition (en)", "英文定义", False, ("definition_en", "definition")),
        C("alt_zh", "alt labels (zh)", "中文别名", False, ("alt_labels_zh", "alt_zh", "别名")),
        C("alt_en", "alt labels (en)", "英文别名", False, ("alt_labels_en", "alt_en", "alt labels", "aliases")),
        C("notation", "notation", "记号", False, ("code", "代码")),
    )),
    "relations": Sheet("relations", "关系", (
        C("subject", "subject", "主语", True, ("from", "source entity")),
        C("relation", "relation", "关系", True, ("predicate", "property", "属性", "谓语")),
        C("object", "object", "宾语", True, ("to", "value", "值")),
        C("object_type", "object type", "宾语类型", False, ("datatype", "数据类型")),
        C("inferred", "inferred", "推断", False, ("是否推断",)),
        C("rationale_zh", "rationale (zh)", "中文理由", False, ("rationale_zh", "理由")),
        C("rationale_en", "rationale (en)", "英文理由", False, ("rationale_en", "rationale")),
    )),
    "evidence": Sheet("evidence", "证据", (
        C("subject", "supports: subject", "支持：主语", True, ("subject", "主语", "supports", "entity", "实体")),
        C("relation", "supports: relation", "支持：关系", False, ("relation", "关系")),
        C("object", "supports: object", "支持：宾语", False, ("object", "宾语")),
        C("source", "source", "来源", True, ("出处",)),
        C("line", "line", "行号", True, ("行",)),
        C("quote", "quote", "原文引用", True, ("引文", "原文")),
    )),
    "facts": Sheet("facts", "数量事实", (
        C("fact", "fact", "事实", True, ("id", "编号", "quantity", "数量")),
        C("measures", "measures", "度量对象", True, ("of", "度量")),
        C("value", "value", "数值", True, ("number", "数")),
        C("unit", "unit", "单位", True, ()),
        C("counts", "counts", "计数对象", False, ("计数",)),
        C("bound", "bound", "界限", False, ()),
        C("status", "status", "状态", False, ()),
        C("status_inferred", "status inferred", "状态推断", False, ()),
        C("status_rationale_zh", "status rationale (zh)", "状态中文理由", False, ()),
        C("status_rationale_en", "status rationale (en)", "状态英文理由", False, ()),
        C("as_of", "as of", "时点", False, ("as-of date", "date", "日期")),
        C("as_of_inferred", "as of inferred", "时点推断", False, ()),
        C("as_of_rationale_zh", "as of rationale (zh)", "时点中文理由", False, ()),
        C("as_of_rationale_en", "as of rationale (en)", "时点英文理由", False, ()),
    )),
}

#: The order the sheets are written and read in.
ORDER = ("entities", "relations", "evidence", "facts")

_SHEET_NAMES = {n: s for s in SHEETS.values() for n in (norm(s.name), norm(s.zh), norm(f"{s.name} {s.zh}"))}


def sheet_named(name: str) -> Sheet | None:
    """The sheet an ``.xlsx`` sheet or CSV file is called (English or Chinese), or None."""
    key = norm(re.sub(r"\.(csv|txt)$", "", str(name), flags=re.I))
    hit = _SHEET_NAMES.get(key)
    if hit is None and "_/_" in key:
        for half in key.split("_/_"):
            hit = hit or _SHEET_NAMES.get(half)
    return hit


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index`` (``0`` -> ``A``)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
