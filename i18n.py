"""What ccare prints, in Chinese and in English: one catalogue, the default language, citations.

:func:`t` looks a sentence up by key and fills it in; :func:`header` names a table column;
:func:`default_lang` picks the language when ``--lang`` is not given (``CCARE_LANG``, then
the locale, then English); :class:`Citations` turns evidence into a line a person reads
("openday 文章 第 25 行", "openday article, line 25"), with source names derived from the
map's ``cc:Source`` labels; :func:`error` says a library error in the reader's language.

Ids, need codes (SCALE...) and the source's own words stay as they are in both languages.

Examples
--------
>>> t("no_results", "zh"), t("no_results", "en")
('没有结果。', 'No results.')
>>> t("n_products", "en", n=1), t("n_products", "en", n=3), t("n_products", "zh", n=3)
('1 product', '3 products', '3 个产品')
>>> default_lang({"CCARE_LANG": "", "LC_ALL": "", "LANG": "zh_CN.UTF-8"})
'zh'
>>> default_lang({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"})
'en'
>>> short_source_name({"zh": "支付宝openday合作伙伴大会与C-CARE模型(行业评论文章)",
...                    "en": "Alipay openday partner conference and the C-CARE model (trade-press article)"}, {}, "s", "zh")
'openday 文章'
>>> c = Citations({"s": {"zh": "openday 文章", "en": "openday article"}})
>>> c.cite({"source": "s", "line": 25, "quote": "支付"}, "zh"), c.cite({"source": "s", "line": 25, "quote": "支付"}, "en")
('openday 文章 第 25 行 “支付”', 'openday article, line 25 “支付”')
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

__all__ = ["LANGS", "REPORT_UI", "t", "header", "default_lang", "lang_of", "short_source_name", "Citations",
           "Rationales", "reason", "detail", "error", "join", "status", "rule"]

LANGS = ("zh", "en")

# ---------------------------------------------------------------------- the catalogue

#: key -> {"en": text, "zh": text}; an English text may be ``(singular, plural)``, chosen by ``n``
MESSAGES: dict[str, dict] = {
    # evidence
    "no_evidence": {"en": "(no evidence)", "zh": "（无证据）"},
    "inferred_tag": {"en": "[inferred]", "zh": "[推断]"},
    "line": {"en": "line {line}", "zh": "第 {line} 行"},
    "source_line": {"en": "{source}, line {line}", "zh": "{source} 第 {line} 行"},
    # counts
    "n_products": {"en": ("{n} product", "{n} products"), "zh": "{n} 个产品"},
    "n_steps": {"en": ("{n} step", "{n} steps"), "zh": "{n} 步"},
    "n_loops": {"en": ("{n} loop", "{n} loops"), "zh": "{n} 个闭环"},
    "n_merchants": {"en": ("{n} merchant", "{n} merchants"), "zh": "{n} 家商家"},
    "n_rows": {"en": ("{n} row", "{n} rows"), "zh": "{n} 行"},
    "n_new_industries": {"en": ("{n} new industry", "{n} new industries"), "zh": "{n} 个新行业"},
    "n_entries": {"en": ("{n} entry", "{n} entries"), "zh": "{n} 个条目"},
    # map sheets (ccare import of a map sheet, ccare export sheet): where a fault is, and what it is
    "sheet_at_sheet": {"en": "sheet {sheet}", "zh": "工作表 {sheet}"},
    "sheet_at_row": {"en": "row {row}", "zh": "第 {row} 行"},
    "sheet_at_column": {"en": "column {column} ({header})", "zh": "{column} 列（{header}）"},
    "sheet_two_columns": {"en": "a second column for {field} (the first is {first!r}); this one is ignored", "zh": "{field} 有第二列（第一列是 {first!r}）；这一列不读"},
    "sheet_missing_column": {"en": "no column {column}, which this sheet needs; its rows are not read", "zh": "缺少本工作表必需的列 {column}；其中各行未读取"},
    "sheet_formula": {"en": "a formula without a cached value: ccare never evaluates formulas; save the workbook in Excel (which stores the values) or type the value", "zh": "公式没有缓存值：ccare 从不计算公式；请在 Excel 中保存工作簿（会存下计算结果），或直接填入值"},
    "sheet_empty": {"en": "empty, but needed here", "zh": "为空，但此处必填"},
    "sheet_bad_id": {"en": "{value!r} cannot be an id: no spaces or any of < > \" {{ }} | ^ ` : / ? # ;", "zh": "{value!r} 不能作编号：不能含空格或 < > \" {{ }} | ^ ` : / ? # ; 中任何字符"},
    "sheet_duplicate_id": {"en": "id {value!r} is already on row {first}", "zh": "编号 {value!r} 已在第 {first} 行出现"},
    "sheet_unknown": {"en": "unknown {kind} {value!r}", "zh": "未知的{kind} {value!r}"},
    "sheet_unknown_near": {"en": "unknown {kind} {value!r}; did you mean: {near}?", "zh": "未知的{kind} {value!r}；您要找的是否是：{near}？"},
    "sheet_ambiguous": {"en": "{value!r} names several entities ({names}); give the id", "zh": "{value!r} 可以指多个实体（{names}）；请给出编号"},
    "sheet_wrong_type": {"en": "{value!r} is not a {kind}", "zh": "{value!r} 不是{kind}"},
    "sheet_no_label": {"en": "no label: give a Chinese or an English label (or both)", "zh": "没有名称：请给出中文或英文名称（或两者）"},
    "sheet_no_definition": {"en": "no definition: give one in Chinese or in English (or both)", "zh": "没有定义：请给出中文或英文定义（或两者）"},
    "sheet_no_evidence_entity": {"en": "no evidence: add a row to the evidence sheet whose subject is {name}", "zh": "没有证据：请在证据工作表中添加一行，主语为 {name}"},
    "sheet_no_evidence_relation": {"en": "no evidence: add a row to the evidence sheet for {subject} {relation} {object}", "zh": "没有证据：请在证据工作表中为 {subject} {relation} {object} 添加一行"},
    "sheet_needs_inferred": {"en": "say whether it is inferred (true or false): {relation} is stated with evidence", "zh": "请说明是否为推断（true 或 false）：{relation} 须附证据陈述"},
    "sheet_bad_boolean": {"en": "{value!r} is not true or false (or 是, 否)", "zh": "{value!r} 不是 true 或 false（或 是、否）"},
    "sheet_needs_rationale": {"en": "an inferred relation needs a rationale, in Chinese or in English", "zh": "推断的关系需要理由（中文或英文）"},
    "sheet_rationale_not_asserted": {"en": "a rationale belongs to a relation with evidence: fill in inferred (true or false)", "zh": "理由属于附证据的关系：请填写是否推断（true 或 false）"},
    "sheet_bad_literal": {"en": "{value!r} is not a valid {datatype}", "zh": "{value!r} 不是有效的 {datatype}"},
    "sheet_bad_date": {"en": "{value!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY", "zh": "{value!r} 不是日期：请写成 YYYY-MM-DD、YYYY-MM 或 YYYY"},
    "sheet_bad_type": {"en": "unknown object type {value!r} (allowed: {allowed})", "zh": "未知的宾语类型 {value!r}（可选：{allowed}）"},
    "sheet_structural": {"en": "{relation} is not written as a relation: use the {sheet} sheet", "zh": "{relation} 不以关系的形式填写：请使用 {sheet} 工作表"},
    "sheet_duplicate_relation": {"en": "the same relation is already on row {first} of sheet {sheet}", "zh": "同一关系已在工作表 {sheet} 第 {first} 行出现"},
    "sheet_no_relation": {"en": "no relation {subject} {relation} {object} with evidence in the relations (or facts) sheet", "zh": "关系（或数量事实）工作表中没有附证据的关系 {subject} {relation} {object}"},
    "sheet_no_relation_near": {"en": "no relation {subject} {relation} {object} with evidence in the relations (or facts) sheet; did you mean the object: {near}?", "zh": "关系（或数量事实）工作表中没有附证据的关系 {subject} {relation} {object}；您要找的宾语是否是：{near}？"},
    "sheet_not_asserted": {"en": "the relation on row {row} of sheet {sheet} has no inferred value: evidence goes with relations that say whether they are inferred", "zh": "工作表 {sheet} 第 {row} 行的关系没有填写是否推断：证据只能附在写明是否推断的关系上"},
    "sheet_bad_line": {"en": "{value!r} is not a line number (a whole number from 1)", "zh": "{value!r} 不是行号（从 1 起的整数）"},
    "sheet_bad_number": {"en": "{value!r} is not a number", "zh": "{value!r} 不是数值"},
    "sheet_bad_unit": {"en": "{value!r} is not a unit (e.g. unit:NUM, unit:PERCENT)", "zh": "{value!r} 不是单位（例如 unit:NUM、unit:PERCENT）"},
    "sheet_not_a_fact": {"en": "{value!r} is not a quantitative fact: give it the type QuantitativeFact in the entities sheet", "zh": "{value!r} 不是数量事实：请在实体工作表中把它的类型写为 QuantitativeFact"},
    "sheet_imported": {"en": "Imported {name} ({entities} entities, {relations} relations, {facts} facts, {evidence} evidence rows) into {target}.", "zh": "已将 {name}（{entities} 个实体、{relations} 条关系、{facts} 个数量事实、{evidence} 行证据）导入 {target}。"},
    "sheet_failed": {"en": ("{n} problem in {name}; nothing was written.", "{n} problems in {name}; nothing was written."), "zh": "{name} 中有 {n} 处问题；未写入任何内容。"},
    "sheet_ignored": {"en": "{sheet}: columns ccare does not know were ignored: {columns}", "zh": "{sheet}：ccare 不认识的列已忽略：{columns}"},
    "sheet_exported": {"en": "Wrote the map sheet ({entities} entities, {relations} relations, {facts} facts, {evidence} evidence rows) to {where}.", "zh": "已将地图表格（{entities} 个实体、{relations} 条关系、{facts} 个数量事实、{evidence} 行证据）写入 {where}。"},
    # loops and prescriptions: payment as the baseline, offerings supporting a loop
    "deprecated_payment": {
        "en": "Note: --payment/--no-payment is now --via-payment/--not-via-payment (whether the loop passes "
              "through payment); use --no-alipay-payment for a merchant that does not take Alipay payment.",
        "zh": "提示：--payment/--no-payment 已改名为 --via-payment/--not-via-payment（闭环是否经过支付）；"
              "商家没有开通支付宝支付时，请用 --no-alipay-payment。"},
    "baseline_note": {
        "en": "{hub} counts as present: every merchant on Alipay takes it (--no-alipay-payment if this one does not).",
        "zh": "{hub}视为已有：每个支付宝商家都在用（若该商家没有开通支付宝支付，请加 --no-alipay-payment）。"},
    "supporting_line": {"en": "  + {offering} {relation} {product}, off the cycle: {evidence}",
                        "zh": "  + {offering} {relation}{product}（不在环上）：{evidence}"},
    "supporting_title": {"en": "Supporting the loop:", "zh": "支撑闭环的产品与手法："},
    # common
    "none": {"en": "none", "zh": "无"},
    "cut_short": {"en": "Cut short: {reason}; the answer above may be incomplete.",
                  "zh": "已提前停止：{reason}；以上答案可能不完整。"},
    "interrupted": {"en": "Interrupted.", "zh": "已中断。"},
    "error": {"en": "Error: {message}", "zh": "错误：{message}"},
    "usage_try": {"en": "Try '{command} --help' for help.", "zh": "运行 '{command} --help' 查看帮助。"},
    # info
    "info_triples": {"en": "triples", "zh": "三元组"},
    "info_products": {"en": "products", "zh": "产品"},
    "info_core_products": {"en": "core products", "zh": "核心产品"},
    "info_programmes": {"en": "programmes", "zh": "计划"},
    "info_needs": {"en": "needs", "zh": "诉求"},
    "info_values": {"en": "values", "zh": "细分价值"},
    "info_relations": {"en": "relations", "zh": "关系"},
    "info_flows": {"en": "flows", "zh": "流转关系"},
    "info_assertions": {"en": "assertions", "zh": "断言"},
    "info_inferred_assertions": {"en": "inferred assertions", "zh": "推断的断言"},
    "info_facts": {"en": "facts", "zh": "数据事实"},
    "info_classes": {"en": "classes", "zh": "类"},
    "info_source": {"en": "source", "zh": "来源"},
    "info_data_file": {"en": "data file", "zh": "数据文件"},
    # products, list, show
    "no_product_matches": {"en": "No product matches.", "zh": "没有符合条件的产品。"},
    "products_left_out": {"en": "Not listed: {ids} serve values or live in a domain but are not products of the map "
                                "(no cc:Product type, or a type the map does not know); `ccare validate` says why.",
                          "zh": "未列出：{ids} 服务于价值或位于某个域，但不是地图中的产品（没有 cc:Product 类型，"
                                "或类型地图不认识）；`ccare validate` 会说明原因。"},
    "no_kind": {"en": "No {kind} in the map.", "zh": "地图中没有{kind}。"},
    "show_id": {"en": "id", "zh": "编号"},
    "show_iri": {"en": "iri", "zh": "IRI"},
    "show_type": {"en": "type", "zh": "类型"},
    "show_code": {"en": "code", "zh": "代码"},
    "show_needs": {"en": "needs", "zh": "诉求"},
    "show_also": {"en": "also", "zh": "又称"},
    "show_definition": {"en": "definition", "zh": "定义"},
    "show_change_note": {"en": "changed", "zh": "变更"},
    "show_evidence": {"en": "evidence", "zh": "证据"},
    "show_value": {"en": "value", "zh": "数值"},
    "show_quantity": {"en": "{value} {unit} ({bound}; counts {counts})", "zh": "{bound} {value} {unit}（计数对象：{counts}）"},
    "relations_out": {"en": "relations out", "zh": "指向其他实体的关系"},
    "relations_in": {"en": "relations in", "zh": "来自其他实体的关系"},
    "attributes": {"en": "attributes", "zh": "属性"},
    "facts": {"en": "facts", "zh": "数据事实"},
    # validate
    "conforms_files": {"en": ("Conforms: {n} file merged with the shipped map breaks no rule.",
                              "Conforms: {n} files merged with the shipped map break no rule."),
                       "zh": "符合规则：{n} 个文件与内置地图合并后没有违反任何规则。"},
    "conforms_map": {"en": "Conforms: the map {map}{extra} breaks no rule.",
                     "zh": "符合规则：地图 {map}{extra}没有违反任何规则。"},
    "conforms_endpoint": {"en": "Conforms: the {triples} triples of {url}{extra} break no rule.",
                          "zh": "符合规则：{url} 的 {triples} 个三元组{extra}没有违反任何规则。"},
    "conforms_endpoint_extra": {"en": ", merged with {n} file(s),", "zh": "（并合并 {n} 个文件）"},
    "violations": {"en": ("{n} violation.", "{n} violations."), "zh": "共 {n} 处违规。"},
    "value_tag": {"en": "[value: {value}]", "zh": "[取值：{value}]"},
    "source_not_found": {"en": ("Warning: source {source} names the file {file}, which was not found (looked in "
                                "{folders}): its {n} quote is not checked; give --sources DIR.",
                                "Warning: source {source} names the file {file}, which was not found (looked in "
                                "{folders}): its {n} quotes are not checked; give --sources DIR."),
                         "zh": "警告：来源 {source} 指向文件 {file}，但没有找到（已查找：{folders}）：它的 {n} 条引文未核对；"
                               "可用 --sources DIR 指定文件夹。"},
    "source_not_plain": {"en": ("Warning: source {source} names {file}, which is not a plain file name: it is not "
                                "looked up, and its {n} quote is not checked.",
                                "Warning: source {source} names {file}, which is not a plain file name: it is not "
                                "looked up, and its {n} quotes are not checked."),
                         "zh": "警告：来源 {source} 指向的 {file} 不是单纯的文件名：不会去查找，它的 {n} 条引文未核对。"},
    "source_not_text": {"en": ("Warning: source {source} names the file {file}, which is not a text file ({kind}): "
                               "its {n} quote is not checked.",
                               "Warning: source {source} names the file {file}, which is not a text file ({kind}): "
                               "its {n} quotes are not checked."),
                        "zh": "警告：来源 {source} 指向的文件 {file} 不是文本文件（{kind}）：它的 {n} 条引文未核对。"},
    "validate_nothing": {"en": "give the RDF FILES to check, or --endpoint URL to check what an endpoint holds",
                         "zh": "请给出要检查的 RDF 文件（FILES），或用 --endpoint URL 检查某个端点所存的数据"},
    # diff
    "diff_title": {"en": "Changes from {old} to {new}", "zh": "从 {old} 到 {new} 的变化"},
    "diff_shipped": {"en": "the shipped map", "zh": "内置地图"},
    "diff_nothing": {"en": "No change: the two maps say the same, and prescribe the same.",
                     "zh": "没有变化：两份地图内容相同，开出的处方也相同。"},
    "diff_map": {"en": ("What changed in the map ({n} entity):", "What changed in the map ({n} entities):"),
                 "zh": "地图的变化（{n} 个实体）："},
    "diff_map_same": {"en": "The map itself did not change.", "zh": "地图本身没有变化。"},
    "diff_loops": {"en": "Operating loops serving {needs}: {old} before, {new} after; {gained} gained, {lost} lost.",
                   "zh": "服务 {needs} 的经营闭环：之前 {old} 个，之后 {new} 个；新增 {gained} 个，失去 {lost} 个。"},
    "diff_loops_cut": {"en": "Only loops of up to {n} products on the cycle were compared: the comparison was cut short.",
                       "zh": "只比较了环上不超过 {n} 个产品的闭环：比较已提前停止。"},
    "diff_gained": {"en": "gained", "zh": "新增"},
    "diff_lost": {"en": "lost", "zh": "失去"},
    "diff_prescriptions": {"en": "The best prescription for each --has set:", "zh": "每组 --has 产品的首选处方："},
    "diff_merchants": {"en": "Merchants: {compared} compared, {changed} with a new prescription.",
                       "zh": "商家：比较了 {compared} 家，其中 {changed} 家的处方有变化。"},
    "diff_unchanged": {"en": "unchanged", "zh": "不变"},
    "out_closed": {"en": "nothing to add: {loop}", "zh": "无需新增：{loop}"},
    "out_open": {"en": "add {add}: {loop}", "zh": "新增{add}：{loop}"},
    "out_unclosable": {"en": "no operating loop can close", "zh": "无法闭合经营闭环"},
    "out_unknown": {"en": "not known (cut short)", "zh": "未知（已提前停止）"},
    "out_absent": {"en": "not in this map", "zh": "不在这份地图中"},
    "out_missing": {"en": "({products}: not in this map)", "zh": "（这份地图中没有{products}）"},
    "ch_added_product": {"en": "new product ({type})", "zh": "新产品（{type}）"},
    "ch_added_entity": {"en": "new entity ({type})", "zh": "新实体（{type}）"},
    "ch_removed_product": {"en": "product removed ({type})", "zh": "产品已删除（{type}）"},
    "ch_removed_entity": {"en": "entity removed ({type})", "zh": "实体已删除（{type}）"},
    "ch_type": {"en": "type: {old} → {new}", "zh": "类型：{old} → {new}"},
    "ch_label": {"en": "{lang_name} label: {old} → {new}", "zh": "{lang_name}名称：{old} → {new}"},
    "ch_definition": {"en": "{lang_name} definition: {old} → {new}", "zh": "{lang_name}定义：{old} → {new}"},
    "lang_zh": {"en": "Chinese", "zh": "中文"},
    "lang_en": {"en": "English", "zh": "英文"},
    "ch_fact": {"en": "{field}: {old} → {new}", "zh": "{field}：{old} → {new}"},
    "ch_fact_added": {"en": "fact: {text}", "zh": "数据事实：{text}"},
    "ch_fact_removed": {"en": "fact removed: {text}", "zh": "删除的数据事实：{text}"},
    "fact_value": {"en": "value", "zh": "数值"},
    "fact_unit": {"en": "unit", "zh": "单位"},
    "fact_bound": {"en": "bound", "zh": "界限"},
    "fact_status": {"en": "status", "zh": "状态"},
    "fact_as_of": {"en": "as of", "zh": "截至日期"},
    "fact_counts": {"en": "counts", "zh": "计数对象"},
    "fact_measures": {"en": "measures", "zh": "度量对象"},
    "ch_now_inferred": {"en": "{relation} → {other}: stated → inferred", "zh": "{relation} → {other}：明示 → 推断"},
    "ch_now_stated": {"en": "{relation} → {other}: inferred → stated", "zh": "{relation} → {other}：推断 → 明示"},
    "ch_rationale": {"en": "{relation} → {other}: rationale now “{new}”", "zh": "{relation} → {other}：理由改为“{new}”"},
    "ch_of": {"en": " of {relation} → {other}", "zh": "（{relation} → {other}）"},
    "ch_ev_moved": {"en": "evidence{of} moved: line {old} → line {new}", "zh": "证据{of}换了行：第 {old} 行 → 第 {new} 行"},
    "ch_ev_changed": {"en": "evidence{of} on line {line} changed: “{old}” → “{new}”",
                      "zh": "证据{of}第 {line} 行的引文改了：“{old}” → “{new}”"},
    "ch_ev_added": {"en": "evidence{of} added", "zh": "新增证据{of}"},
    "ch_ev_removed": {"en": "evidence{of} removed", "zh": "删除证据{of}"},
    # sparql
    "no_results": {"en": "No results.", "zh": "没有结果。"},
    "sparql_cut_before": {"en": "Cut short: {reason}, before the query gave any result (raise --timeout).",
                          "zh": "已提前停止：{reason}，查询尚未给出任何结果（请调大 --timeout）。"},
    "sparql_cut_rows": {"en": "Cut short: {reason}; {rows} row(s) shown (raise {hint} for more).",
                        "zh": "已提前停止：{reason}；已显示 {rows} 行（调大 {hint} 可看到更多）。"},
    # path
    "no_path": {"en": "No path from {a} to {b} over {over}.", "zh": "沿{over}没有从{a}到{b}的路径。"},
    "user_or_data_flows": {"en": "user or data flows", "zh": "用户流向或数据流向"},
    "user_flows": {"en": "user flows", "zh": "用户流向"},
    "shortest_path": {"en": "Shortest path", "zh": "最短路径"},
    "alternative_n": {"en": "Alternative {i}", "zh": "备选路径 {i}"},
    "path_title": {"en": "{title} ({steps}): {arrow}", "zh": "{title}（{steps}）：{arrow}"},
    # loops and specs
    "spec_serving": {"en": "serving {needs}", "zh": "服务 {needs}"},
    "spec_any_needs": {"en": "of any needs", "zh": "不限诉求"},
    "spec_through": {"en": "through {p}", "zh": "经过{p}"},
    "spec_domains": {"en": "reaching customers in the public domain or through an entry channel and keeping them in the private domain",
                     "zh": "从公域或获客入口触达顾客，并留在私域"},
    "spec_without": {"en": "without {p}", "zh": "不含{p}"},
    "spec_within": {"en": "within {n} products on the cycle", "zh": "环上不超过 {n} 个产品"},
    "spec_sep": {"en": "; ", "zh": "；"},
    # ccare load
    "default_graph": {"en": "the default graph", "zh": "默认图"},
    "named_graph": {"en": "the graph <{iri}>", "zh": "图 <{iri}>"},
    "the_shipped_map": {"en": "the shipped map", "zh": "内置地图"},
    "load_emptied": {"en": "Emptied {graph} of {endpoint}.", "zh": "已清空 {endpoint} 的{graph}。"},
    "load_progress": {"en": "loading {what}", "zh": "正在载入 {what}"},
    "load_done": {"en": "Loaded {n} triples of {what} into {target} ({requests:,} request{s}).",
                  "zh": "已把 {what} 的 {n} 个三元组载入 {target}（{requests:,} 次请求）。"},
    "load_wants_graph": {"en": "This endpoint wants a named graph: give --graph IRI.",
                         "zh": "这个端点要求命名图：请给出 --graph IRI。"},
    "load_nothing": {"en": "nothing was loaded.", "zh": "什么也没有载入。"},
    "load_nothing_cleared": {"en": "nothing was loaded (the graph was emptied first: --clear).",
                             "zh": "什么也没有载入（该图已先被清空：--clear）。"},
    "load_stopped": {"en": "The load stopped at batch {batch:,} of {batches:,} of {what}; the endpoint took:",
                     "zh": "载入停在 {what} 的第 {batch:,} 批（共 {batches:,} 批）；端点已收下："},
    "load_took_whole": {"en": "{what}: whole ({n} triples)", "zh": "{what}：全部（{n} 个三元组）"},
    "load_took_nothing": {"en": "{what}: nothing", "zh": "{what}：没有"},
    "load_took_part": {"en": "{what}: {sent:,} of {n} triples ({done:,} of {batches:,} batches whole)",
                       "zh": "{what}：{n} 个三元组中的 {sent:,} 个（{batches:,} 批中完整的 {done:,} 批）"},
    "load_finish": {"en": "(the request that failed may have been applied too). To finish, run the same `ccare load` "
                          "again with --force: what is there already is not stored twice. To start over, run it "
                          "with --clear{files}.",
                    "zh": "（失败的那次请求也可能已被执行。）要完成载入，请加 --force 再运行同一条 `ccare load`："
                          "已有的内容不会存两次。要从头开始，请加 --clear 运行{files}。"},
    "load_files": {"en": " (files: {files})", "zh": "（文件：{files}）"},
    "no_loop": {"en": "No operating loop found ({spec}).", "zh": "没有找到经营闭环（{spec}）。"},
    "loop_n": {"en": "Loop {i}", "zh": "闭环 {i}"},
    "loop": {"en": "Loop", "zh": "闭环"},
    "loop_it_closes": {"en": "Loop it closes", "zh": "它闭合的环"},
    "outside_loop": {"en": "Already run, not on this loop: {names}", "zh": "已有但不在这个环上：{names}"},
    "loop_line": {"en": "{title}: {arrow}", "zh": "{title}：{arrow}"},
    "loop_facts": {"en": "  {products}; needs {needs}; {inferred} of {steps} steps inferred",
                   "zh": "  {products}；诉求 {needs}；{steps} 步中有 {inferred} 步为推断"},
    "more_loops": {"en": "Showing the first {loops}; there are more (raise --limit).",
                   "zh": "只显示前 {loops}；还有更多（请调大 --limit）。"},
    "loops_title": {"en": "Operating loops", "zh": "经营闭环"},
    # prescribe
    "no_prescription": {"en": "No operating loop can be closed through {products} ({spec}).",
                        "zh": "无法经过{products}闭合经营闭环（{spec}）。"},
    "nothing_to_add": {"en": "Nothing to add: your products already close an operating loop.",
                       "zh": "无需新增：现有产品已闭合经营闭环。"},
    "prescription_n": {"en": "Prescription {i}: add {add} ({n})", "zh": "处方 {i}：新增{add}（{n}）"},
    "prescription_title": {"en": "Prescription for a merchant with {names}", "zh": "给已有{names}的商家开的处方"},
    # the report a strategist sends (exports/report.py): its title is a sentence a service provider signs
    "report_merchant_with": {"en": "a merchant with {names}", "zh": "已有{names}的商家"},
    "report_title_prescribe": {"en": "A prescription for {merchant}: add {add} to close the operating loop {loop}",
                               "zh": "为{merchant}开出的经营处方：补上{add}，闭合“{loop}”这一经营闭环"},
    "report_title_closed": {"en": "A prescription for {merchant}: nothing to add, the operating loop {loop} "
                                  "already closes",
                            "zh": "为{merchant}开出的经营处方：无需新增，“{loop}”这一经营闭环已经闭合"},
    "report_title_gaps": {"en": "Where {merchant}'s operating loop stands: add {add} to close {loop}",
                          "zh": "{merchant}的经营闭环还差什么：补上{add}，即可闭合“{loop}”"},
    "report_title_gaps_closed": {"en": "{merchant}'s operating loop already closes: {loop}",
                                 "zh": "{merchant}的经营闭环已经闭合：“{loop}”"},
    "report_title_path": {"en": "The path from {a} to {b}, step by step", "zh": "从{a}到{b}的路径，逐步说明"},
    "report_title_path_for": {"en": "For {merchant}: the path from {a} to {b}, step by step",
                              "zh": "为{merchant}梳理：从{a}到{b}的路径"},
    "report_title_loops": {"en": "Operating loops", "zh": "经营闭环"},
    "report_for": {"en": "Prepared for {merchant}", "zh": "致{merchant}"},
    "report_plain_all": {"en": "The source states all {n} steps of this {walk} directly.",
                         "zh": "这条{walk}的 {n} 步全部由原文直接陈述。"},
    "report_plain_none": {"en": "None of the {n} steps of this {walk} is stated word for word by the source: "
                                "all {n} are our reading of it, and each says why.",
                          "zh": "这条{walk}的 {n} 步都不是原文逐字陈述的，全部为推断，每一步都附有理由。"},
    "report_plain_some": {"en": "Of the {n} steps of this {walk}, the source states {stated} directly; "
                                "{inferred} are our reading of it, and each says why.",
                          "zh": "这条{walk}的 {n} 步中，{stated} 步由原文直接陈述，{inferred} 步为推断（均附理由）。"},
    "report_plain_values": {"en": "Of the {n} values its products serve, the source states {stated} directly "
                                  "and {inferred} are inferred.",
                            "zh": "其产品服务的 {n} 个细分价值中，{stated} 个由原文直接陈述，{inferred} 个为推断。"},
    "report_plain_outside": {"en": "The merchant's {names} stay off this loop: it runs them, the loop does not use them.",
                             "zh": "商家已有的{names}不在这个环上：商家在用，这个环用不到。"},
    "report_plain_why": {"en": "Of the {n} reasons given for the products to add, {stated} rest on the source's "
                               "own words and {inferred} on our reading of it.",
                         "zh": "新增产品的 {n} 条理由中，{stated} 条直接依据原文，{inferred} 条为推断。"},
    "report_plain_one_stated": {"en": "The source states the one step of this {walk} directly.",
                                "zh": "这条{walk}只有一步，由原文直接陈述。"},
    "report_plain_one_inferred": {"en": "The one step of this {walk} is not stated word for word by the source: "
                                        "it is our reading of it, and says why.",
                                  "zh": "这条{walk}只有一步，不是原文逐字陈述的，为推断（附理由）。"},
    "report_walk_loop": {"en": "loop", "zh": "闭环"},
    "report_walk_path": {"en": "path", "zh": "路径"},
    "report_sources": {"en": "Sources and quotes", "zh": "来源与原文引文"},
    "report_source_is": {"en": "{short}: {title}", "zh": "{short}：{title}"},
    "report_quote": {"en": "{where}: “{quote}”", "zh": "{where}：“{quote}”"},
    "report_gaps": {"en": "What the merchant's products leave open", "zh": "商家现有产品尚未覆盖的部分"},
    "report_gaps_needs": {"en": "Needs none of its products serves: {needs}.", "zh": "现有产品都未服务的诉求：{needs}。"},
    "report_gaps_all_needs": {"en": "Its products serve every requested need.", "zh": "现有产品已服务所需的每个诉求。"},
    "report_gaps_value": {"en": "{value} ({need}) is left unserved; it is offered by {offered}.",
                          "zh": "{value}（{need}）尚未服务；可由{offered}提供。"},
    "report_gaps_missing": {"en": "Flows the loop still lacks: {flows}.", "zh": "闭环还缺的流转：{flows}。"},
    "report_more_alternatives": {"en": "and {n} more (see the command's output)", "zh": "另有 {n} 个（见命令输出）"},
    # gaps
    "gaps_products": {"en": "Products: {products}", "zh": "产品：{products}"},
    "gaps_needs": {"en": "Needs served: {served}; unserved: {unserved}", "zh": "已服务的诉求：{served}；未服务：{unserved}"},
    "gaps_values_unserved": {"en": "Values left unserved:", "zh": "未服务的细分价值："},
    "gaps_all_values": {"en": "Every value of the requested needs is served.", "zh": "所需诉求的每个细分价值都已服务。"},
    "gaps_flows": {"en": "Flows between your products:", "zh": "现有产品之间的流转："},
    "gaps_no_loop": {"en": "No operating loop can be closed through these products ({spec}).",
                     "zh": "无法经过这些产品闭合经营闭环（{spec}）。"},
    "gaps_closed": {"en": "The loop already closes: {arrow}", "zh": "闭环已经闭合：{arrow}"},
    "gaps_open": {"en": "The loop stays open. Add {add} to close {arrow}; the missing flows:",
                  "zh": "闭环尚未闭合。新增{add}即可闭合 {arrow}；缺少的流转："},
    "gaps_open_support": {"en": "The loop stays open. Add {add} to close {arrow}: every flow of it runs already; "
                                "what it lacks comes from the offering that supports it:",
                          "zh": "闭环尚未闭合。新增{add}即可闭合 {arrow}：环上的流转都已具备，缺的是支撑它的产品或手法："},
    # coverage, rank
    "coverage_key": {"en": "●: stated by the source; ○: inferred; –: not served (see `ccare show PRODUCT` for the evidence).",
                     "zh": "●：原文明示；○：推断；–：未服务（证据见 `ccare show 产品`）。"},
    "no_products_to_rank": {"en": "The map has no products to rank.", "zh": "地图中没有可排名的产品。"},
    # whatif
    "whatif_none": {"en": "The map has no operating loop ({spec}), so dropping {p} breaks none.",
                    "zh": "地图中没有经营闭环（{spec}），所以去掉{p}不会断开任何闭环。"},
    "whatif_loses": {"en": "Dropping {p} loses {lost} of {total} operating loops and keeps {kept}.",
                     "zh": "去掉{p}会失去 {total} 个经营闭环中的 {lost} 个，保留 {kept} 个。"},
    "lost": {"en": "Lost", "zh": "失去的闭环"},
    "kept": {"en": "Kept", "zh": "保留的闭环"},
    "stranded": {"en": "No longer reach {hub}: {products}.", "zh": "不再能到达{hub}：{products}。"},
    # exports
    "wrote": {"en": "Wrote {what} to {where}.", "zh": "已将{what}写入 {where}。"},
    "wrote_files": {"en": "Wrote {files}.", "zh": "已写入 {files}。"},
    "the_map_page": {"en": "the map page", "zh": "地图页面"},
    "the_report": {"en": "the report", "zh": "报告"},
    "the_table": {"en": "the {table} table", "zh": "{table} 表"},
    "nothing_found_no_page": {"en": "Nothing found, so no page was written.", "zh": "没有找到结果，因此未写出页面。"},
    "highlight_stopped": {"en": "--highlight: {cmd} stopped early (exit code {code}); drawing what it found.",
                          "zh": "--highlight：{cmd} 提前停止（退出码 {code}）；只画出已找到的结果。"},
    "synth_wrote": {"en": "Wrote {products} products, {merchants} merchants and {assertions} assertions to {output}.",
                    "zh": "已将 {products} 个产品、{merchants} 家商家和 {assertions} 条断言写入 {output}。"},
    # import
    "imported": {"en": "Imported {merchants} from {name} into {target}{extra}.",
                 "zh": "已从 {name} 导入 {merchants}，写入{target}{extra}。"},
    "imported_new": {"en": " ({industries})", "zh": "（其中 {industries}）"},
    "standard_output": {"en": "standard output", "zh": "标准输出"},
    "ignored_columns": {"en": "{name}: ignored column(s) {columns} (ccare reads {known})",
                        "zh": "{name}：忽略了列 {columns}（ccare 读取的列：{known}）"},
    "bad_rows": {"en": "{bad} of {rows} bad and left out; the other {good} were written to {target}",
                 "zh": "{rows}中有 {bad} 行有误，已略去；其余 {good} 行已写入{target}"},
    "row_problem": {"en": "{name}, line {line}: {message}", "zh": "{name} 第 {line} 行：{message}"},
    # portfolio
    "pf_merchants": {"en": "Merchants: {merchants}; answered: {answered}; loop closed: {closed}; open: {open}; "
                           "cannot close: {unclosable}.",
                     "zh": "商家：{merchants}；已回答：{answered}；闭环已闭合：{closed}；未闭合：{open}；"
                           "无法闭合：{unclosable}。"},
    "pf_questions": {"en": "Distinct questions asked: {n} (merchants asking the same one share its answer).",
                     "zh": "不同的问题：{n} 个（问同一问题的商家共用一个答案）。"},
    "pf_unserved": {"en": "Needs no product of the merchant serves: {needs}.", "zh": "商家现有产品都未服务的诉求：{needs}。"},
    "pf_additions": {"en": "Additions most often prescribed:", "zh": "最常开出的新增组合："},
    "pf_added_products": {"en": "Products most often added:", "zh": "最常新增的产品："},
    "pf_strays": {"en": "{merchants} use things that are not products of the map (e.g. {example}); they are left out.",
                  "zh": "{merchants}使用了不是地图产品的东西（例如 {example}），已略去。"},
    "pf_cut": {"en": "Cut short: {reason}; {answered} of {total} merchants answered{where}.",
               "zh": "已提前停止：{reason}；{total} 家商家中已回答 {answered} 家{where}。"},
    "pf_cut_where": {"en": "; {output} holds them", "zh": "，结果在 {output} 中"},
    "pf_index_title": {"en": "Prescriptions for every merchant of the portfolio", "zh": "组合中每家商家的经营处方"},
    "pf_index_title_gaps": {"en": "Where each merchant's operating loop stands", "zh": "每家商家的经营闭环现状"},
    "pf_index_merchant": {"en": "merchant (its report)", "zh": "商家（点开看报告）"},
    "pf_index_name": {"en": "name", "zh": "名称"},
    "pf_index_status": {"en": "loop", "zh": "闭环"},
    "pf_index_add": {"en": "add", "zh": "新增"},
    "pf_index_loop": {"en": "the loop it closes", "zh": "闭合的经营闭环"},
    "pf_index_counts": {"en": "{answered} of {total} merchants answered.", "zh": "{total} 家商家中已回答 {answered} 家。"},
    "pf_index_cut": {"en": ("Not reported: the run was cut short before {n} merchant",
                            "Not reported: the run was cut short before these {n} merchants"),
                     "zh": "未出报告：运行提前停止，以下 {n} 家商家没有回答"},
    "pf_reports_wrote": {"en": ("Wrote {n} report and the index {index}.", "Wrote {n} reports and the index {index}."),
                         "zh": "已写出 {n} 份报告和索引 {index}。"},
    # cache
    "cache_removed": {"en": ("Removed {n} entry from {dir}.", "Removed {n} entries from {dir}."),
                      "zh": "已从 {dir} 删除 {n} 个条目。"},
    "cache_directory": {"en": "directory: {dir}", "zh": "目录：{dir}"},
    "cache_empty": {"en": "(empty)", "zh": "（空）"},
}

#: the report's headings, labels and notes (exports/report.py), by language
REPORT_UI = {
    "en": {
        "loop": "Operating loop", "path": "Path", "prescription": "Prescription", "recommended": "Recommended",
        "add": "Add", "nothing": "Nothing to add: the merchant's products already close this loop.",
        "added_why": "Products added, and why", "product": "product", "why": "why", "evidence": "evidence",
        "coverage": "Coverage: what each product of the loop serves", "loop_row": "the loop",
        "coverage_path": "Coverage: what each product of the path serves", "path_row": "the path",
        "steps": "Steps, each with its evidence", "serves_ev": "Evidence for what each product serves",
        "value": "value", "need": "need", "alternatives": "Alternatives", "inferred": "inferred",
        "stated": "stated", "requested": "requested", "needs": "needs",
        "legend": "● stated in the source · ○ inferred (with its rationale) · dashed ring: product to add",
        "footer": "Every quote is verbatim from the line of the source it names. Inferred relations interpret "
                  "the source and say why. Made with ccare.",
        "none_ev": "(no quote)", "nodes": "products", "steps_n": "steps", "colon": ": ", "sep": ", ",
    },
    "zh": {
        "loop": "经营闭环", "path": "路径", "prescription": "处方", "recommended": "推荐",
        "add": "新增", "nothing": "无需新增：商家现有产品已闭合此环。",
        "added_why": "新增产品及理由", "product": "产品", "why": "理由", "evidence": "证据",
        "coverage": "覆盖：闭环中各产品服务的诉求与价值", "loop_row": "整个闭环",
        "coverage_path": "覆盖：路径上各产品服务的诉求与价值", "path_row": "整条路径",
        "steps": "每一步及其证据", "serves_ev": "各产品服务价值的证据",
        "value": "价值", "need": "诉求", "alternatives": "其他方案", "inferred": "推断",
        "stated": "原文明示", "requested": "所需", "needs": "诉求",
        "legend": "● 原文明示 · ○ 推断（附理由） · 虚线圈：需新增的产品",
        "footer": "所有引文均逐字摘自所注明的原文行。推断关系是对原文的解读，并附理由。由 ccare 生成。",
        "none_ev": "（无引文）", "nodes": "个产品", "steps_n": "步", "colon": "：", "sep": "、",
    },
}

#: table column -> its Chinese name (English columns are printed as they are)
HEADERS_ZH = {
    "what": "项目", "count": "数量", "id": "编号", "product": "产品", "needs": "诉求", "domains": "所在域",
    "value": "价值", "evidence": "证据", "label": "名称", "relations": "关系", "relation": "关系",
    "entity": "实体", "property": "属性", "fact": "数据事实", "focus node": "焦点节点", "rule": "规则",
    "message": "说明", "step": "步骤", "next": "下一站", "added": "新增产品", "why": "理由",
    "from": "从", "to": "到", "offered by": "可由以下产品提供", "need": "诉求", "rank": "排名",
    "betweenness": "中介中心性", "pagerank": "PageRank", "degree": "度中心性", "#": "#", "loop": "闭环",
    "inferred steps": "推断步数", "merchant": "商家", "name": "名称", "status": "状态",
    "unserved needs": "未服务的诉求", "add": "新增", "merchants": "商家数", "key": "键", "store": "存储",
    "size": "大小",
}

#: a portfolio answer's status
STATUS = {"closed": {"en": "closed", "zh": "已闭合"}, "open": {"en": "open", "zh": "未闭合"},
          "unclosable": {"en": "cannot close", "zh": "无法闭合"}}


def t(key: str, lang: str = "en", **kw) -> str:
    """The message ``key`` in ``lang`` (``zh`` or ``en``), filled in with ``kw``."""
    entry = MESSAGES[key]
    text = entry["zh" if lang == "zh" else "en"]
    if isinstance(text, tuple):
        text = text[0] if kw.get("n") == 1 else text[1]
    if "n" in kw and isinstance(kw["n"], int):
        kw = {**kw, "n": f"{kw['n']:,}"}
    return text.format(**kw) if kw else text


def header(name, lang: str = "en") -> str:
    """A table column's name in ``lang``; ``name`` is the English name, or ``(en, zh)``."""
    if isinstance(name, tuple):
        return name[1] if lang == "zh" else name[0]
    return HEADERS_ZH.get(name, name) if lang == "zh" else name


def status(value: str, lang: str = "en") -> str:
    """A portfolio answer's status (closed, open, unclosable) in ``lang``."""
    return STATUS.get(value, {}).get(lang, value) if lang == "zh" else value


def join(items, lang: str = "en") -> str:
    """A list of names: ``a, b`` in English, ``a、b`` in Chinese."""
    return ("、" if lang == "zh" else ", ").join(items)


# ---------------------------------------------------------------------- the language


def lang_of(value: str | None) -> str | None:
    """``zh`` or ``en`` for a language or locale name (``zh_CN.UTF-8``, ``en-GB``), else None."""
    v = (value or "").strip().lower()
    if v.startswith("zh"):
        return "zh"
    if v.startswith("en"):
        return "en"
    return None


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language when ``--lang`` is not given: ``CCARE_LANG`` (``zh`` or ``en``), then the
    locale (the first set of ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; ``zh*`` gives zh), then en."""
    from ccare import settings

    if environ is None:  # CCARE_LANG as ccare's settings read it; the locale from the environment
        chosen = settings.current().lang
        locale = (os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"), os.environ.get("LANG"))
    else:
        chosen = settings.Settings.from_env(environ).lang
        locale = (environ.get("LC_ALL"), environ.get("LC_MESSAGES"), environ.get("LANG"))
    if chosen:
        return chosen
    for value in locale:
        if value:
            return "zh" if value.strip().lower().startswith("zh") else "en"
    return "en"


# ---------------------------------------------------------------------- citations

#: what a Chinese source calls itself, last word of its label's parenthesis
_ZH_GENRES = ("白皮书", "文章", "报道", "报告", "笔记", "访谈", "公告", "名单", "文档", "网页", "视频", "演讲",
              "新闻", "手册", "纪要")
_PAREN = re.compile(r"\s*[(（]([^()（）]+)[)）]\s*$")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")


def short_source_name(labels: Mapping[str, str], alt: Mapping[str, list], ident: str, lang: str) -> str:
    """A short name a reader recognises a source by, from its labels in the map.

    The shortest ``skos:altLabel`` in ``lang`` when the map gives one; else, for a label
    like "支付宝openday合作伙伴大会…(行业评论文章)", the name both labels share and the kind
    of text in the parenthesis ("openday 文章", "openday article"); else the label; else the id.
    """
    other = "en" if lang == "zh" else "zh"
    if alt.get(lang):
        return min(alt[lang], key=lambda s: (len(s), s))
    label = labels.get(lang) or labels.get(other) or ident
    m = _PAREN.search(label)
    if m:
        names = {lang_: [w for w in _LATIN.findall(_PAREN.sub("", text))] for lang_, text in labels.items() if text}
        shared = [w for w in names.get("zh") or names.get(lang) or []
                  if all(w.lower() in (x.lower() for x in ws) for ws in names.values())]
        if shared:
            genre = m.group(1).strip()
            if lang == "en" or not re.search(r"[\u3400-\u9fff]", genre):
                kind = genre.split()[-1] if genre.split() else genre
            else:
                kind = next((g for g in _ZH_GENRES if genre.endswith(g)), genre)
            return f"{shared[0]} {kind}"
    return label


class Citations:
    """Evidence as a reader cites it, with each source's short name in both languages.

    ``names`` maps a source id to ``{"zh", "en"}`` short names; ``many`` says whether more
    than one source is loaded (then tables name the source of every line).
    """

    def __init__(self, names: Mapping[str, Mapping[str, str]] | None = None, many: bool | None = None):
        self.names = {k: dict(v) for k, v in (names or {}).items()}
        self.many = len(self.names) > 1 if many is None else many

    @classmethod
    def of(cls, kb) -> "Citations":
        """The citations of the sources loaded in ``kb`` (a :class:`~ccare.kb.model.KnowledgeBase`)."""
        from rdflib import RDF, RDFS
        from rdflib.namespace import SKOS

        from ccare.ontology import CC

        g = kb.graph
        names = {}
        for s in set(g.subjects(RDF.type, CC.Source)):
            labels: dict = {}
            alt: dict = {}
            for prop, into in ((RDFS.label, labels), (SKOS.altLabel, alt)):
                for o in g.objects(s, prop):
                    key = lang_of(getattr(o, "language", None) or "")
                    if key is None:
                        continue
                    if into is labels:
                        labels.setdefault(key, str(o))
                    else:
                        alt.setdefault(key, []).append(str(o))
            ident = kb.node_id(s)
            names[ident] = {lg: short_source_name(labels, alt, ident, lg) for lg in LANGS}
        return cls(names)

    def name(self, source: str, lang: str) -> str:
        """The short name of the source ``source`` (an id) in ``lang``."""
        return (self.names.get(source) or {}).get(lang) or source

    def where(self, ev: Mapping, lang: str, name_source: bool = True) -> str:
        """``openday 文章 第 25 行`` / ``openday article, line 25``; ``第 25 行`` without the source."""
        source, line = ev.get("source") or "", ev.get("line")
        if line is None:
            return self.name(source, lang)
        if name_source and source:
            return t("source_line", lang, source=self.name(source, lang), line=line)
        return t("line", lang, line=line)

    def cite(self, ev: Mapping, lang: str, name_source: bool = True) -> str:
        """The place and the verbatim quote: ``openday 文章 第 25 行 “…”``."""
        return f"{self.where(ev, lang, name_source)} “{ev.get('quote') or ''}”"

    def to_json(self) -> dict:
        return {k: dict(v) for k, v in sorted(self.names.items())}


class Rationales:
    """The rationale of an inferred relation in the reader's language.

    The library hands one rationale per relation; when the map states it in both languages
    (``cc:rationale "…"@zh, "…"@en`` on one assertion), :meth:`text` gives the reader's.
    """

    def __init__(self, groups: Mapping[str, Mapping[str, str]] | None = None):
        self.groups = {k: dict(v) for k, v in (groups or {}).items()}

    @classmethod
    def of(cls, kb) -> "Rationales":
        from ccare.ontology import CC

        by_node: dict = {}
        for s, o in kb.graph.subject_objects(CC.rationale):
            key = lang_of(getattr(o, "language", None) or "")
            if key is not None:
                by_node.setdefault(s, {}).setdefault(key, str(o))
        groups: dict = {}
        for langs in by_node.values():
            if len(langs) > 1:
                for text in langs.values():
                    groups.setdefault(text, langs)
        return cls(groups)

    def text(self, text: str | None, lang: str) -> str | None:
        """``text`` in ``lang`` when the map says it in that language too, else ``text``."""
        if not text:
            return text
        return (self.groups.get(text) or {}).get(lang) or text

    def to_json(self) -> dict:
        return {k: dict(v) for k, v in sorted(self.groups.items())}


# ---------------------------------------------------------------------- the map's rules

#: the map's SHACL rules (``sh:name`` in the shapes) -> (name, message) in Chinese
RULES_ZH = {
    "product lives in a domain": ("产品所在域", "产品必须位于公域或私域（cc:livesIn），支撑型产品（cc:SupportingProduct）除外，它不承载用户"),
    "product serves a value": ("产品实现价值", "产品必须实现至少一个 C-CARE 细分价值（cc:serves）"),
    "serves points at a value": ("实现的是细分价值", "cc:serves 必须指向 C-CARE 的细分价值之一（cc:Value）"),
    "lives in a known domain": ("所在域已知", "cc:livesIn 必须指向一个域（cc:Domain）"),
    "flows link products": ("流转连接产品", "用户流向与数据流向只能连接产品与产品"),
    "support and combination link offerings": ("支撑与组合连接可开通项", "支撑与组合只能连接可开通项（产品、计划、工具）与做法"),
    "label in Chinese or English": ("中文或英文名称", "每个术语都需要一个中文（@zh）或英文（@en）rdfs:label"),
    "one label per language": ("每种语言一个名称", "每个术语每种语言至多一个 rdfs:label（其他名称用 skos:altLabel）"),
    "definition": ("定义", "每个术语都需要一个 skos:definition"),
    "definition in Chinese or English": ("中文或英文定义", "定义需要语言标签：至少一个中文（@zh）或英文（@en）的 skos:definition"),
    "entity has evidence": ("实体有证据", "地图中的每个实体都需要 cc:evidence：引出它的原文行"),
    "evidence names its source": ("证据注明来源", "证据必须注明且只注明一个来源（cc:Source）"),
    "evidence gives a line": ("证据给出行号", "证据必须给出一个行号：从 1 起的整数"),
    "evidence quotes the source": ("证据引用原文", "证据必须带一句非空的逐字引文（普通字符串）"),
    "assertion subject": ("断言的主语", "断言必须以 IRI 给出且只给出一个主语"),
    "assertion predicate": ("断言的谓语", "断言必须以 IRI 给出且只给出一个谓语"),
    "assertion object": ("断言的宾语", "断言必须给出且只给出一个宾语"),
    "assertion has evidence": ("断言有证据", "断言至少需要一条 cc:evidence"),
    "stated or inferred": ("明示或推断", "断言须说明是否为推断（cc:inferred true 或 false）"),
    "rationale in Chinese or English": ("中文或英文理由", "理由需要语言标签：至少一个中文（@zh）或英文（@en）的 cc:rationale"),
    "need code": ("诉求代码", "诉求有且只有一个代码：SCALE、ACTIVE、WORTH 或 EFFICIENCY（skos:notation）"),
    "value belongs to a need": ("细分价值属于诉求", "细分价值属于且只属于一个诉求（skos:broader）"),
    "typed number": ("带类型的数值", "数量有且只有一个 qudt:numericValue，类型为 xsd:integer、xsd:decimal 或 xsd:double，不能是字符串"),
    "unit": ("单位", "数量有且只有一个 qudt:unit（IRI，例如 unit:NUM 或 unit:PERCENT）"),
    "measures something": ("所度量的对象", "数量须挂在它所度量的对象上（cc:measures）"),
    "counted kind": ("计数对象", "数量至多计数一类事物（cc:CountedKind）"),
    "bound": ("界限", "数量至多有一个界限（as-stated、more-than、approximately、exactly）"),
    "fact status": ("数据状态", "数量至多有一个状态（cumulative、planned、current、achieved、former）"),
    "as-of date": ("截至日期", "数量至多有一个截至日期（cc:asOf），类型为 xsd:date、xsd:gYearMonth 或 xsd:gYear"),
}

#: rules without a name, and messages that name the node: English pattern -> Chinese
_RULE_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^an inferred assertion needs a one-line cc:rationale$"), "推断的断言需要一行 cc:rationale（理由）"),
    (re.compile(r"^the relation (\S+) (.+) has no evidence: describe it with a cc:Assertion carrying cc:evidence$"),
     "关系 {0} {1} 没有证据：请用带 cc:evidence 的 cc:Assertion 描述它"),
    # quotes checked against their sources (ccare.query.quotes)
    (re.compile(r"^the quote “(.*)” is not on line (\d+) of (.+) \((\d+) lines?\); it occurs on line (\d+)$", re.S),
     "引文“{0}”不在 {2} 的第 {1} 行（该文件共 {3} 行）；它出现在第 {4} 行"),
    (re.compile(r"^the quote “(.*)” is not on line (\d+) of (.+) \((\d+) lines?\); it occurs nowhere in (.+)$", re.S),
     "引文“{0}”不在 {2} 的第 {1} 行（该文件共 {3} 行）；{4} 中没有这句引文"),
    (re.compile(r"^source (\S+): (.+?) cannot be read: (.+)$", re.S),
     lambda source, file, why: f"来源 {source}：无法读取 {file}：{detail(why, 'zh')}"),
]
_RULE_NAMES_ZH = {"inferred assertion has a rationale": "推断有理由", "relation has evidence": "关系有证据",
                  "quote on its line": "引文在所注的行", "source can be read": "来源文件可读"}


def rule(name: str, message: str, lang: str = "en") -> tuple[str, str]:
    """A violated rule's name and message in ``lang`` (the map's rules are written in English)."""
    if lang != "zh":
        return name, message
    zh_name, zh_message = RULES_ZH.get(name, (_RULE_NAMES_ZH.get(name, name), None))
    if zh_message is not None:
        return zh_name, zh_message
    for pattern, zh in _RULE_MESSAGES:
        m = pattern.match(message)
        if m:
            return zh_name, zh(*m.groups()) if callable(zh) else zh.format(*m.groups())
    return zh_name, message


# ---------------------------------------------------------------------- library messages

_REASONS = [
    (re.compile(r"^time limit (\S+?)s reached$"), "已到时间上限 {0} 秒"),
    (re.compile(r"^step limit (\S+) reached$"), "已到步数上限 {0}"),
    (re.compile(r"^row limit (\S+) reached$"), "已到行数上限 {0}"),
    (re.compile(r"^result limit (\S+) reached$"), "已到结果数上限 {0}"),
    (re.compile(r"^memory limit of (\S+) MiB reached$"), "已到内存上限 {0} MiB"),
]


def reason(text: str | None, lang: str = "en") -> str:
    """Why a search or query was cut short, in ``lang``."""
    text = text or ""
    if lang != "zh":
        return text
    for pattern, zh in _REASONS:
        m = pattern.match(text)
        if m:
            return zh.format(*m.groups())
    return text


#: ccare's own error messages: English pattern -> Chinese (groups kept as they are)
#: The two URLs of an endpoint, as its errors name them.
_ENDPOINT_KIND = {"endpoint": "端点", "update endpoint": "更新端点"}

_ERROR_TEXTS: list[tuple[str, Any]] = [
    (r"unknown need (.+) \(allowed: (.+)\)", "未知的诉求 {0}（可选：{1}）"),
    (r"ambiguous name (.+?): it names (.+); give the id", "名称 {0} 有歧义：它可以指 {1}；请给出 id"),
    (r"give at least one need \(allowed: (.+)\)", "请至少给出一个诉求（可选：{0}）"),
    (r"unknown encoding (.+) \(e\.g\. (.+)\)", "未知的编码 {0}（例如 {1}）"),
    (r"not (\S+): byte (0x[0-9a-f]+) cannot be decoded", "不是 {0} 编码：字节 {1} 无法解码"),
    (r"over the limit of ([\d,]+) bytes \(set CCARE_MAX_FILE_SIZE to raise it, e\.g\. 2G\)",
     "超过 {0} 字节的上限（可设置 CCARE_MAX_FILE_SIZE 调大，例如 2G）"),
    (r"two columns for (.+): (.+) and (.+)", "{0} 有两列：{1} 和 {2}"),
    (r"the file is ([\d,]+) bytes, over the limit of ([\d,]+) bytes \(set CCARE_MAX_FILE_SIZE to raise it, "
     r"e\.g\. CCARE_MAX_FILE_SIZE=2G\)",
     "文件有 {0} 字节，超过 {1} 字节的上限（可设置 CCARE_MAX_FILE_SIZE 调大，例如 CCARE_MAX_FILE_SIZE=2G）"),
    (r"(.+) of ([\d,]+) characters, over the limit of ([\d,]+) \(set CCARE_MAX_LITERAL to raise it\)",
     lambda what, n, limit: "{}有 {} 个字符，超过 {} 的上限（可设置 CCARE_MAX_LITERAL 调大）".format(
         {"a literal": "一个字面量", "an IRI": "一个 IRI "}.get(what, what + " "), n, limit)),
    (r"the header row (.+) lacks a column \((.+)\)", lambda row, need: "表头 {} 缺少一列（{}）".format(
        row, re.sub(r"(\w+): one of ", r"\1 列，可用列名：", need).replace("; ", "；"))),
    (r"contains NUL characters: not a CSV text file", "含有 NUL 字符：不是 CSV 文本文件"),
    (r"no header row \(the first line names the columns\)", "没有表头行（第一行应给出列名）"),
    (r"no merchants \(cc:Merchant\) to ask about; make them with `ccare import` and give --data",
     "没有可查询的商家（cc:Merchant）；请用 `ccare import` 生成并通过 --data 给出"),
    (r"SPARQL syntax error at line (\d+), column (\d+): (.+)", "SPARQL 语法错误（第 {0} 行，第 {1} 列）：{2}"),
    (r"SPARQL syntax error: (.+)", "SPARQL 语法错误：{0}"),
    (r"refused: SPARQL updates \((.+)\) are not allowed; ccare sparql only reads the map",
     "已拒绝：不允许 SPARQL 更新（{0}）；ccare sparql 只读取地图"),
    (r"refused: SERVICE (<.*>) would send the query to another endpoint; ccare sparql queries the loaded map only",
     "已拒绝：SERVICE {0} 会把查询发往其他端点；ccare sparql 只查询已载入的地图"),
    (r"refused: (FROM NAMED|FROM) (<.*>) would load another graph; ccare sparql queries the loaded map only "
     r"\(add files with --data\)",
     "已拒绝：{0} {1} 会载入另一个图；ccare sparql 只查询已载入的地图（可用 --data 添加文件）"),
    (r"GRAPH is not supported: the loaded map is one graph, without named graphs",
     "不支持 GRAPH：已载入的地图是一个图，没有命名图"),
    (r"the query is empty", "查询是空的"),
    (r"the query is nested too deeply to (parse|translate)", "查询嵌套太深，无法处理"),
    (r"unknown prefix (.+): declare it with PREFIX (.+) \(known: (.+)\)", "未知的前缀 {0}：请用 PREFIX {1} 声明（已知：{2}）"),
    (r"the query could not be evaluated: (.+)", "查询无法求值：{0}"),
    (r"no such file", "没有这个文件"),
    (r"No such file or directory", "没有这个文件或目录"),
    (r"Permission denied", "没有权限"),
    (r"Is a directory", "是目录"),
    (r"is a directory, not (.+)", "是目录，不是{0}"),
    (r"is a directory", "是目录"),
    (r"directory (.+) does not exist", "目录 {0} 不存在"),
    (r"is not a regular file", "不是普通文件"),
    (r"is a symbolic link to a file outside its folder, not a source text", "是指向文件夹之外的符号链接，不是来源文本"),
    (r"is (a FIFO \(named pipe\)|a device|a socket|a directory|not a regular file), not a source text",
     lambda kind, *_: "是{}，不是来源文本".format({"a FIFO (named pipe)": " FIFO（命名管道）", "a device": "设备",
                                                "a socket": "套接字", "a directory": "目录"}.get(kind, "非普通文件"))),
    (r"contains NUL characters: not a text file", "含有 NUL 字符：不是文本文件"),
    (r"a ZIP archive, such as an Excel workbook", "ZIP 压缩包，例如 Excel 工作簿"),
    (r"a PDF document", "PDF 文档"),
    (r"an old Office document", "旧版 Office 文档"),
    (r"NUL bytes: a binary file", "含有 NUL 字节：是二进制文件"),
    (r"neither UTF-8 nor GB18030: byte (0x[0-9a-f]+) cannot be decoded", "既不是 UTF-8 也不是 GB18030 编码：字节 {0} 无法解码"),
    (r"line (\d+): (.+)", lambda line, what: f"第 {line} 行：{_zh_detail(what)}"),
    (r"--sources (.+): not a folder", "--sources {0}：不是文件夹"),
    (r"a FIFO \(named pipe\) with no reader; start the reader first", "是没有读取方的 FIFO（命名管道）；请先启动读取方"),
    (r"the file is not UTF-8", "文件不是 UTF-8 编码"),
    (r"not valid (\S+): (.+)", "不是有效的 {0}：{1}"),
    (r"(.+) is not a finite number", "{0} 不是有限的数"),
    (r"cannot write (.+): give a \.csv or \.json file name", "无法写入 {0}：请给出 .csv 或 .json 文件名"),
    (r"cannot write RDF format (.+) \(allowed: (.+)\)", "无法写出 RDF 格式 {0}（可选：{1}）"),
    (r"give the query either as QUERY or with --file FILE \(- for standard input\)",
     "请用 QUERY 或 --file FILE（- 表示标准输入）给出查询，二者选一"),
    (r"the query is longer than ([\d,]+) bytes", "查询超过 {0} 字节"),
    (r"NUL byte in the query file \(is it a binary file\?\)", "查询文件中有 NUL 字节（是二进制文件吗？）"),
    (r"give the RDF FILES to check, or --endpoint URL to check what an endpoint holds",
     "请给出要检查的 RDF 文件（FILES），或用 --endpoint URL 检查某个端点所存的数据"),
    (r"give --highlight or --highlight-json, not both", "--highlight 与 --highlight-json 只能给一个"),
    (r"--highlight takes a query of (.+) \(e\.g\. (.+)\), not (.+)", "--highlight 只接受 {0} 查询（例如 {1}），不接受 {2}"),
    (r"--highlight: this ccare has no (.+) command", "--highlight：这个 ccare 没有 {0} 命令"),
    (r"--highlight: (\S+) printed no JSON result", "--highlight：{0} 没有输出 JSON 结果"),
    (r"--graph names a graph of an endpoint: give --endpoint URL too", "--graph 指的是端点中的图：请同时给出 --endpoint URL"),
    (r"with --endpoint, ccare sparql asks the endpoint only: load --data files into it with `ccare load` first",
     "使用 --endpoint 时 ccare sparql 只查询该端点：请先用 `ccare load` 把 --data 文件载入端点"),
    (r"--highlight: (.+) found nothing to draw", "--highlight：{0} 没有找到可画的结果"),
    (r"--highlight: leave out --format \(the query is run with --format json\)",
     "--highlight：请去掉 --format（查询以 --format json 运行）"),
    (r"give a file name: standard output carries the command's answer", "请给出文件名：标准输出用于输出命令的答案"),
    (r"-o (.+) is a directory; with --table give a file name or '-'", "-o {0} 是目录；使用 --table 时请给出文件名或 '-'"),
    (r"-o (.+): without --table, give an existing directory or a new folder name \(it gets nodes\.csv and edges\.csv\), "
     r"or add --table nodes\|edges",
     "-o {0}：不用 --table 时请给出已存在的目录或新文件夹名（写入 nodes.csv 和 edges.csv），或加上 --table nodes|edges"),
    (r"(.+): cannot write: (.+)", "{0}：无法写入：{1}"),
    (r"internal error: (.+) \(run with --debug for the traceback\)", "内部错误：{0}（加 --debug 运行可看到调用栈）"),
    (r"(\d+) cells, but the header has (\d+) columns", "有 {0} 个单元格，但表头只有 {1} 列"),
    (r"no merchant id", "缺少商家编号"),
    (r"duplicate merchant id (.+) \(first on line (\d+)\)", "商家编号 {0} 重复（首次出现在第 {1} 行）"),
    (r"unknown scale (.+) \(allowed: (.+)\)", "未知的规模 {0}（可选：{1}）"),
    (r"unknown stage (.+) \(allowed: (.+)\)", "未知的数字化阶段 {0}（可选：{1}）"),
    (r"industry (.+) has no letter or digit to name it by", "行业 {0} 没有可用来命名的字母或数字"),
    (r"unknown (?:entity|product) (.+?); did you mean: (.+)\?", "未知的名称 {0}；您要找的是否是：{1}？"),
    (r"unknown (?:entity|product) (.+)", "未知的名称 {0}"),
    (r"not valid CSV: (.+)", "不是有效的 CSV：{0}"),
    (r"an Excel workbook \(\.xlsx\), not a CSV file: in Excel choose Save As, CSV UTF-8 \(Comma delimited\), "
     r"and import that file",
     "这是 Excel 工作簿（.xlsx），不是 CSV 文件：请在 Excel 中选择“另存为”→“CSV UTF-8（逗号分隔）”，再导入那个文件"),
    (r"a ZIP archive \(an Excel workbook\?\), not RDF: ccare reads RDF files \(Turtle, N-Triples, JSON-LD, "
     r"RDF/XML, \.\.\.\)",
     "这是 ZIP 压缩包（Excel 工作簿？），不是 RDF：ccare 读取 RDF 文件（Turtle、N-Triples、JSON-LD、RDF/XML 等）"),
    (r"JSON but not JSON-LD \(no @context, @id, @type or @graph\): it holds no RDF, so nothing would be merged",
     "是 JSON 但不是 JSON-LD（没有 @context、@id、@type 或 @graph）：其中没有 RDF，不会合并任何内容"),
    (r"a portfolio CSV, not RDF: turn it into RDF first with `ccare import (.+) -o merchants\.ttl`, "
     r"then give --data merchants\.ttl",
     "这是商家组合 CSV，不是 RDF：请先用 `ccare import {0} -o merchants.ttl` 转成 RDF，再用 --data merchants.ttl 给出"),
    (r"a CSV file, not RDF: ccare reads RDF files \(Turtle, N-Triples, JSON-LD, RDF/XML, \.\.\.\); "
     r"a merchant portfolio goes through `ccare import` first",
     "这是 CSV 文件，不是 RDF：ccare 读取 RDF 文件（Turtle、N-Triples、JSON-LD、RDF/XML 等）；商家组合 CSV 请先用 `ccare import` 转换"),
    (r"unknown domain (.+) \(allowed: (.+)\)", "未知的域 {0}（可选：{1}）"),
    (r"not UTF-8 \(byte (0x[0-9a-f]+)\); if it was saved as GBK/GB18030, as Excel does on a Chinese system, "
     r"pass --encoding gb18030",
     "不是 UTF-8 编码（字节 {0}）；如果文件以 GBK/GB18030 保存（中文系统上的 Excel 会这样保存），请加上 --encoding gb18030"),
    (r"not valid (\S+) after its byte-order mark \((.+)\)", "字节顺序标记之后不是有效的 {0}（{1}）"),
    # map sheets (sheets/workbook.py, sheets/export.py, commands/mapsheet.py)
    (r"not an Excel workbook \(\.xlsx\): not a ZIP archive", "不是 Excel 工作簿（.xlsx）：不是 ZIP 压缩包"),
    (r"the workbook has ([\d,]+) parts, over the limit of ([\d,]+)", "工作簿有 {0} 个部件，超过 {1} 的上限"),
    (r"the workbook is encrypted; save it without a password", "工作簿已加密；请不设密码另存"),
    (r"part (.+) would expand to ([\d,]+) bytes, over the limit of ([\d,]+)", "部件 {0} 解压后有 {1} 字节，超过 {2} 字节的上限"),
    (r"part (.+) would expand ([\d,]+) times \(a ZIP bomb\?\), over the limit of (\d+)",
     "部件 {0} 解压后会膨胀 {1} 倍（ZIP 炸弹？），超过 {2} 倍的上限"),
    (r"the workbook would expand to ([\d,]+) bytes, over the limit of ([\d,]+)", "工作簿解压后有 {0} 字节，超过 {1} 字节的上限"),
    (r"part (.+) is not UTF-8 XML", "部件 {0} 不是 UTF-8 编码的 XML"),
    (r"part (.+) declares a document type or entities \(<!DOCTYPE or <!ENTITY\); ccare refuses them",
     "部件 {0} 声明了文档类型或实体（<!DOCTYPE 或 <!ENTITY）；ccare 拒绝读取"),
    (r"not a sound Excel workbook \(\.xlsx\): (.+)", "不是完好的 Excel 工作簿（.xlsx）：{0}"),
    (r"sheet (.+): not a sound worksheet: (.+)", "工作表 {0} 已损坏：{1}"),
    (r"no map sheet in the workbook: name the sheets entities, relations, evidence, facts \(or 实体, 关系, 证据, 数量事实\)",
     "工作簿中没有地图表格：请把工作表命名为 entities、relations、evidence、facts（或 实体、关系、证据、数量事实）"),
    (r"sheet (.+) has more than ([\d,]+) rows, over the limit \(set CCARE_MAX_SHEET_ROWS to raise it\)",
     "工作表 {0} 超过 {1} 行的上限（可设置 CCARE_MAX_SHEET_ROWS 调大）"),
    (r"more than ([\d,]+) rows, over the limit \(set CCARE_MAX_SHEET_ROWS to raise it\)",
     "超过 {0} 行的上限（可设置 CCARE_MAX_SHEET_ROWS 调大）"),
    (r"no map sheet in the folder: it needs entities\.csv, relations\.csv, evidence\.csv or facts\.csv",
     "文件夹中没有地图表格：需要 entities.csv、relations.csv、evidence.csv 或 facts.csv"),
    (r"the workbook has no sheet", "工作簿中没有工作表"),
    (r"sheet (.+), row (\d+), column ([A-Z]+): a formula without a cached value; ccare never evaluates formulas "
     r"\(save it in Excel first\)",
     "工作表 {0} 第 {1} 行 {2} 列：公式没有缓存值；ccare 从不计算公式（请先在 Excel 中保存）"),
    (r"row (\d+), column ([A-Z]+): a control character cannot be written into an Excel cell",
     "第 {0} 行 {1} 列：控制字符不能写入 Excel 单元格"),
    (r"a statement the map sheet has no place for: (.+) \(a blank node that is neither an assertion nor evidence\)",
     "地图表格无处容纳的陈述：{0}（既不是断言也不是证据的空白节点）"),
    (r"give a file name: a map sheet is a workbook or a folder, not standard output",
     "请给出文件名：地图表格是工作簿或文件夹，不能写到标准输出"),
    (r"-o (.+) is a directory; give a file name ending \.xlsx, or --format csv",
     "-o {0} 是目录；请给出以 .xlsx 结尾的文件名，或使用 --format csv"),
    (r"-o (.+): with --format csv, give a folder \(it gets entities\.csv, relations\.csv, evidence\.csv and facts\.csv\)",
     "-o {0}：使用 --format csv 时请给出文件夹（写入 entities.csv、relations.csv、evidence.csv 和 facts.csv）"),
    (r"a base map \(--map\) replaces the shipped map, and an endpoint's map is its own: give a base map or an "
     r"endpoint, not both",
     "基础地图（--map）会替换内置地图，而端点的地图只能是它自己的：请给出基础地图或端点，不要同时给出"),
    # ccare's own SHACL engine (ccare.query.shacl_native)
    (r"ccare's SHACL engine cannot check this map as pySHACL does: (.+) \(use --engine pyshacl or auto\)",
     lambda why: f"ccare 自带的 SHACL 引擎无法像 pySHACL 那样检查这张地图：{_said(why)}（请用 --engine pyshacl 或 auto）"),
    (r"the map is not on an Oxigraph store \(CCARE_STORE=memory or --store memory\)",
     "地图不在 Oxigraph 存储上（CCARE_STORE=memory 或 --store memory）"),
    # SPARQL endpoints (ccare.endpoint): the endpoint's URL comes first ("URL: what went
    # wrong"); what the server or the HTTP library said stays in its words, in quotes
    (r"no answer within the time limit \(--timeout\)", "在时限内没有得到回答（--timeout）"),
    (r"no whole answer within the time limit \(--timeout\)", "在时限内没有得到完整的回答（--timeout）"),
    (r"no whole answer within ([\d.]+)s", "{0} 秒内没有得到完整的回答"),
    (r"HTTP (\d+): redirected to (.+); give that URL as the endpoint \(ccare follows no redirect\)",
     "HTTP {0}：被重定向到 {1}；请直接把那个 URL 作为端点（ccare 不跟随重定向）"),
    (r"HTTP (\d+), not an answer of SPARQL", "HTTP {0}，不是 SPARQL 的回答"),
    (r"HTTP (\d+): (.+)", lambda code, said: f"HTTP {code}：{_said(said)}"),
    (r"the endpoint does not allow this to (the token|anonymous requests|user (.+))",
     lambda who, user: "端点不允许{}这样做".format(
         {"the token": "该令牌", "anonymous requests": "匿名请求"}.get(who) or f"用户 {user} ")),
    (r"the endpoint wants credentials: set (\S+), or (\S+) and (\S+)", "端点要求凭据：请设置 {0}，或 {1} 和 {2}"),
    (r"the endpoint refused the token in (\S+)", "端点拒绝了 {0} 中的令牌"),
    (r"cannot answer the endpoint's authentication challenge \((.+)\) with a user and password; "
     r"for a bearer token set (\S+)",
     "无法用用户名和密码回应端点的认证质询（{0}）；如要使用 bearer 令牌，请设置 {1}"),
    (r"the endpoint refused user (.+) and the password given", "端点拒绝了用户 {0} 和所给的密码"),
    (r"cannot answer the endpoint's Digest challenge \((.+)\)", lambda why: f"无法回应端点的 Digest 认证质询（“{why}”）"),
    (r"answer of ([\d,]+) bytes, over ([\d,]+) \(set CCARE_MAX_FILE_SIZE to raise the limit\)",
     "回答有 {0} 字节，超过 {1} 字节的上限（可设置 CCARE_MAX_FILE_SIZE 调大）"),
    (r"answer over ([\d,]+) bytes \(set CCARE_MAX_FILE_SIZE to raise the limit\)",
     "回答超过 {0} 字节的上限（可设置 CCARE_MAX_FILE_SIZE 调大）"),
    (r"cannot reach the endpoint \((.+)\)", lambda why: f"无法连接端点（“{why}”）"),
    (r"a broken answer \((.+)\)", lambda why: f"回答已损坏（“{why}”）"),
    (r"(\w+(?:Error|Exception|Timeout)): (.+)", lambda kind, why: f"HTTP 出错：{kind}（“{why}”）"),
    (r"not SPARQL JSON results", "不是 SPARQL JSON 结果"),
    (r"not SPARQL JSON results \((.+)\)", lambda why: f"不是 SPARQL JSON 结果（{_said(why)}）"),
    (r"no results\.bindings list", "没有 results.bindings 列表"),
    (r"a row that is not an object", "有一行不是 JSON 对象"),
    (r"nested too deep", "嵌套过深"),
    (r"\?(\S+): (.+)", lambda var, why: f"?{var}：{_said(why)}"),
    (r"a binding is (\w+), not an object", "有一个绑定是 {0}，不是 JSON 对象"),
    (r"a binding's value is (\w+), not a string", "绑定的值是 {0}，不是字符串"),
    (r"not a language tag: (.+)", "不是语言标签：{0}"),
    (r"a datatype that is not a string", "数据类型不是字符串"),
    (r"unknown binding type (.+)", "未知的绑定类型 {0}"),
    (r"a count answered with (.+), not a number", "计数的回答是 {0}，不是数字"),
    (r"ASK answered without a boolean", "ASK 的回答没有布尔值"),
    (r"CONSTRUCT answered with (.+), not RDF",
     lambda what: "CONSTRUCT 的回答是{}，不是 RDF".format("无类型的内容" if what == "no type" else f"“{what}”")),
    (r"(.+) counts ([\d,]+) merchants but lists none", "{0} 计有 {1} 个商家，却一个也没有列出"),
    (r"(.+) counts ([\d,]+) merchants but answers ([\d,]+) rows at a time: ([\d,]+) pages, over the ([\d,]+) ccare "
     r"asks for; raise the endpoint's row limit \(Virtuoso: ResultSetMaxRows\)",
     "{0} 计有 {1} 个商家，但每次只回答 {2} 行：需要 {3} 页，超过 ccare 最多请求的 {4} 页；"
     "请调大端点的行数上限（Virtuoso：ResultSetMaxRows）"),
    (r"page ([\d,]+) of its merchants \(([\d,]+) rows from ([\d,]+)\) holds ([\d,]+) rows, ([\d,]+) of them seen "
     r"before; its answers do not page \(is its count right\?\)",
     "其商家的第 {0} 页（从第 {2} 行起的 {1} 行）有 {3} 行，其中 {4} 行之前已出现过；它的回答无法分页（它的计数对吗？）"),
    (r"(.+) counts ([\d,]+) merchants but lists ([\d,]+) in ([\d,]+) pages",
     "{0} 计有 {1} 个商家，但 {3} 页中只列出了 {2} 个"),
    (r"the merchants' rows are not what ccare asked for", "商家各行不是 ccare 所请求的内容"),
    (r"(.+) answered with ([\d,]+) of the ([\d,]+) triples it holds (in all|outside merchants): it caps the size of "
     r"its answers \(Virtuoso: ResultSetMaxRows\); raise that limit to use it with ccare",
     lambda where, read, held, part: "{} 所存的 {} 个三元组（{}）只回答了 {} 个：它限制了回答的大小"
     "（Virtuoso：ResultSetMaxRows）；请调大该上限后再用于 ccare".format(
         where, held, "全部" if part == "in all" else "商家之外", read)),
    (r"(.+) holds no C-CARE map \(no cc:Need in (that graph|its default graph)\); load it with: "
     r"ccare load --endpoint URL \[--update-endpoint URL\] \[--graph IRI\]",
     lambda where, graph: "{} 中没有 C-CARE 地图（{}中没有 cc:Need）；请这样载入：ccare load --endpoint URL "
     "[--update-endpoint URL] [--graph IRI]".format(where, "该图" if graph == "that graph" else "其默认图")),
    (r"(.+) already holds (.+) from (.+); ccare loads each file once \(--force loads it anyway: the same triples are "
     r"not stored twice; --clear empties the graph first\)",
     "{0} 已经存有 {2} 中的 {1}；ccare 每个文件只载入一次（--force 仍会载入：相同的三元组不会存两次；"
     "--clear 先清空该图）"),
    (r"nothing was sent", "什么也没有发送"),
    (r"((?:update )?endpoint) (.+) is not a URL \((.+)\)", lambda what, url, why: f"{_ENDPOINT_KIND[what]} {url} 不是 URL（“{why}”）"),
    (r"((?:update )?endpoint) (.+)\.\.\.: the port is not a number from 0 to 65535", lambda what, url: f"{_ENDPOINT_KIND[what]} {url}...：端口不是 0 到 65535 之间的数"),
    (r"((?:update )?endpoint) (.+) is not an http:// or https:// URL", lambda what, url: f"{_ENDPOINT_KIND[what]} {url} 不是 http:// 或 https:// 的 URL"),
    (r"((?:update )?endpoint) (.+) holds a space or control character", lambda what, url: f"{_ENDPOINT_KIND[what]} {url} 含有空格或控制字符"),
    (r"(\S+) is set but names no user: set (\S+), or put user@ in the endpoint's URL",
     "设置了 {0}，却没有指明用户：请设置 {1}，或在端点的 URL 中写上 user@"),
    (r"an endpoint's timeout is a number of seconds above 0, not (.+)", "端点的时限是大于 0 的秒数，不能是 {0}"),
    # click's own messages
    (r"Invalid value for (.+?): (.+)", "{0} 的值无效：{1}"),
    (r"Missing option (.+)\.", "缺少选项 {0}。"),
    (r"Missing argument (.+)\.", "缺少参数 {0}。"),
    (r"No such option:? (\S+?)\.? Did you mean (\S+)\?", "没有这个选项 {0}；您要找的是否是 {1}？"),
    (r"No such option:? (\S+?)\.? \(Did you mean one of: (.+)\?\)", "没有这个选项 {0}；您要找的是否是以下之一：{1}？"),
    (r"No such option:? (\S+?)\.?", "没有这个选项 {0}"),
    (r"No such command (.+)\.", "没有这个命令 {0}。"),
    (r"Got unexpected extra arguments? \((.+)\)", "多余的参数（{0}）"),
    (r"Option (.+) requires an argument\.", "选项 {0} 需要一个值。"),
    (r"(.+) is not one of (.+)\.", "{0} 不在可选值 {1} 之中。"),
    (r"(.+) is not a valid (integer|float)(?: range)?\.", "{0} 不是有效的数值。"),
    (r"(.+) is not in the range (.+)\.", "{0} 不在范围 {1} 之内。"),
    (r"(File|Path) (.+) does not exist\.", "文件 {1} 不存在。"),
    (r"(File|Path) (.+) is a directory\.", "{1} 是目录。"),
]
_ERRORS = [(re.compile("^" + p + "$", re.S), zh) for p, zh in _ERROR_TEXTS]


def _said(text: str) -> str:
    """Words in a message: ccare's own in Chinese, a server's or a library's quoted as said."""
    zh = _zh_detail(text)
    return zh if zh != text else f"“{text}”"
_LOCATED = re.compile(r"^(?P<where>.+?), line (?P<line>\d+)(?:, column (?P<column>\d+))?: (?P<detail>.+)$", re.S)


def _zh_detail(message: str) -> str:
    for pattern, zh in _ERRORS:
        m = pattern.match(message)
        if m:
            groups = [g or "" for g in m.groups()]
            if callable(zh):
                return zh(*groups)
            if groups:  # the last part may be a message of its own ("Invalid value for ...: unknown need")
                groups[-1] = _zh_detail(groups[-1])
            return zh.format(*groups)
    return message


def detail(message: str, lang: str = "en") -> str:
    """One of ccare's own messages (or several, joined by "; ") in ``lang``."""
    if lang != "zh" or not message:
        return message
    whole = _zh_detail(message)
    if whole != message:
        return whole
    head, sep, tail = message.partition(": ")
    if sep and "\n" not in head:  # "FILE: what is wrong with it"
        said = _zh_detail(tail)
        if said != tail:
            return f"{head}：{said}"
    if "; " not in message:
        return message
    return "；".join(_zh_detail(part) for part in re.split(r"; (?!did you mean)", message))


def error(message: str, lang: str = "en", *, exc: BaseException | None = None, names=None) -> str:
    """An error message in ``lang``: ccare's own words in Chinese, a file's line and
    column as "第 3 行,第 8 列", a parser's own message kept inside the Chinese sentence.

    ``names`` maps an entity id to its label in ``lang``, for near-match suggestions.
    """
    if lang != "zh":
        return message
    from ccare.errors import AmbiguousEntityError, DataError, UnknownEntityError

    if isinstance(exc, AmbiguousEntityError):
        return f"名称 {exc.name!r} 有歧义：它可以指 {'、'.join(exc.candidates)}；请给出 id"
    if isinstance(exc, UnknownEntityError):
        kinds = {"entity": "实体", "product": "产品"}
        text = f"未知的{kinds.get(exc.kind, exc.kind)} {exc.name!r}"
        if exc.suggestions:
            shown = [f"{names[s]} ({s})" if names and names.get(s) and names[s] != s else s for s in exc.suggestions]
            text += "；您要找的是否是：" + "、".join(shown) + "？"
        return text
    if isinstance(exc, DataError):
        where = "地图" if exc.path == "the map" else exc.path
        if exc.line is not None:
            where += f"，第 {exc.line} 行"
            if exc.column is not None:
                where += f"，第 {exc.column} 列"
        return f"{where}：{detail(str(exc.detail), 'zh')}"
    if "\n" in message:  # a message of several lines (a load cut short): each line is a message
        return "\n".join(error(line, lang) if line.strip() else line for line in message.split("\n"))
    m = _LOCATED.match(message)
    if m and not _ERRORS[0][0].match(message):
        where = m["where"] + f"，第 {m['line']} 行" + (f"，第 {m['column']} 列" if m["column"] else "")
        return f"{where}：{detail(m['detail'], 'zh')}"
    return detail(message, "zh")
