"""``ccare diff OLD NEW``: what changed between two maps, and what it does to merchants.

The comparison is :func:`ccare.graph.diff.compare`; this module loads both sides through
the one load path (:func:`ccare.commands.common.load_map`) and renders the
:class:`~ccare.graph.diff.MapDiff` as a table, JSON or Markdown.
"""

from __future__ import annotations

import click

from ccare import i18n
from ccare.commands.common import (
    echo_csv,
    echo_json,
    echo_table,
    fmt_evidence,
    format_option,
    lang_option,
    load_map,
    output_option,
    relation_label,
)
from ccare.commands.queries import _budget, _finish, _names, _spec, loop_options, timeout_options
from ccare.graph.diff import SHIPPED, compare, side_files
from ccare.i18n import t
from ccare.text.render import printable

__all__ = ["diff", "EXIT_CHANGED"]

#: Exit code of ``ccare diff --fail-on-change`` when the maps differ (or what they prescribe does).
EXIT_CHANGED = 4


# ---------------------------------------------------------------------- words


def _side_name(name: str, lang: str) -> str:
    """A side of the comparison as the reader calls it: the word ``shipped`` is the shipped map."""
    return t("diff_shipped", lang) if name == SHIPPED else name


def _name(d, ident: str, lang: str) -> str:
    return f"{d.label(ident, lang)} [{ident}]"


def _empty(v, lang: str) -> str:
    if v is None or v == "" or v == []:
        return t("none", lang)
    if isinstance(v, (list, tuple)):
        return i18n.join([str(x) for x in v], lang)
    return str(v)


def _fact(q: dict, lang: str) -> str:
    """A fact added or removed whole, in a few words: ``700000000 NUM (as-stated; current, 2023-08-17)``."""
    extra = [x for x in (q.get("bound"), q.get("status"), q.get("as_of")) if x]
    sep = "；" if lang == "zh" else "; "
    return f"{q.get('value')} {q.get('unit') or ''}".strip() + (f" ({sep.join(extra)})" if extra else "")


def _of(d, c, lang: str) -> str:
    """`` of userFlowsTo → 支付 [payment]`` for the evidence of a relation; empty for the entity's own."""
    if c.relation is None:
        return ""
    return t("ch_of", lang, relation=relation_label(c.relation, lang), other=_name(d, c.other, lang)
             if c.other else "")


def change_text(d, e, c, lang: str) -> str:
    """One :class:`~ccare.graph.diff.Change` of the entity ``e`` said in ``lang``."""
    if c.what == "entity":
        kind = "product" if e.product else "entity"
        return t(f"ch_{c.change}_{kind}", lang, type=e.type or "-")
    if c.what == "type":
        return t("ch_type", lang, old=_empty(c.old, lang), new=_empty(c.new, lang))
    if c.what in ("label", "definition"):
        return t(f"ch_{c.what}", lang, lang_name=t(f"lang_{c.field}", lang), old=_empty(c.old, lang),
                 new=_empty(c.new, lang))
    if c.what == "fact":
        if c.field == "quantity":
            return t(f"ch_fact_{c.change}", lang, text=_fact(c.new if c.change == "added" else c.old, lang))
        return t("ch_fact", lang, field=t(f"fact_{c.field}", lang), old=_empty(c.old, lang), new=_empty(c.new, lang))
    if c.what == "relation":
        other = _name(d, c.other, lang) if c.other else _empty(c.new if c.new is not None else c.old, lang)
        rel = relation_label(c.relation, lang)
        if c.change in ("added", "removed"):
            return f"{'+' if c.change == 'added' else '−'} {rel} → {other}"
        if c.change == "rationale":
            return t("ch_rationale", lang, relation=rel, other=other, new=_empty(c.new, lang))
        return t(f"ch_{c.change.replace('-', '_')}", lang, relation=rel, other=other)
    if c.what == "evidence":
        of = _of(d, c, lang)
        if c.change == "moved":
            return t("ch_ev_moved", lang, of=of, old=c.old, new=c.new)
        if c.change == "changed":
            return t("ch_ev_changed", lang, of=of, line=c.evidence[0].line, old=c.old, new=c.new)
        return t(f"ch_ev_{c.change}", lang, of=of)
    return f"{c.what} {c.change}"


def _evidence_cell(c) -> str:
    if c.what == "relation" and c.change == "rationale":
        return ""
    return fmt_evidence(c.evidence, bool(c.inferred)) if c.evidence else ""


def outcome_text(d, p, side: str, lang: str) -> str:
    """What the best prescription is on one side: nothing to add, what to add and the loop,
    no loop can close, not known, or the merchant is not in that map."""
    o = p.old if side == "old" else p.new
    if o is None:
        return t("out_absent", lang)
    loop = _arrow(d, o, lang)
    if o.status == "closed":
        text = t("out_closed", lang, loop=loop)
    elif o.status == "open":
        text = t("out_open", lang, add=i18n.join([d.label(n, lang) for n in o.add], lang), loop=loop)
    else:
        text = t(f"out_{o.status}", lang)
    missing = p.missing_old if side == "old" else p.missing_new
    if missing:
        text += " " + t("out_missing", lang, products=i18n.join([_name(d, n, lang) for n in missing], lang))
    return text


def _arrow(d, o, lang: str) -> str:
    if not o.loop:
        return ""
    arrow = " → ".join(d.label(n, lang) for n in (*o.loop, o.loop[0]))
    if o.supporting:
        names = i18n.join([d.label(n, lang) for n in o.supporting], lang)
        arrow += f"（+ {names}）" if lang == "zh" else f" (+ {names})"
    return arrow


def _loop_arrow(d, w, lang: str) -> str:
    from ccare.graph.diff import Outcome

    return _arrow(d, Outcome("open", (), w.nodes, tuple(a.offering for a in w.attached)), lang)


def _who(d, p, lang: str) -> str:
    if p.merchant is not None:
        labels = p.merchant.get("labels") or {}
        name = labels.get(lang) or labels.get("en") or labels.get("zh") or p.merchant.get("id")
        return f"{name} [{p.merchant.get('id')}]"
    return i18n.join([d.label(n, lang) for n in p.has], lang)


# ---------------------------------------------------------------------- table


def _print_table(d, lang: str) -> None:
    click.echo(printable(t("diff_title", lang, old=_side_name(d.old_name, lang), new=_side_name(d.new_name, lang))))
    if not d.changed:
        click.echo(t("diff_nothing", lang))
    click.echo()
    if d.entities:
        click.echo(t("diff_map", lang, n=len(d.entities)))
        rows = []
        for e in d.entities:
            for i, c in enumerate(e.changes):
                rows.append([_name(d, e.id, lang) if i == 0 else "", change_text(d, e, c, lang), _evidence_cell(c)])
        echo_table(["entity", ("change", "变化"), "evidence"], rows)
    else:
        click.echo(t("diff_map_same", lang))
    click.echo()
    click.echo(t("diff_loops", lang, old=d.loops_old, new=d.loops_new, gained=len(d.gained), lost=len(d.lost),
                 needs=", ".join(d.spec.needs)))
    if d.loops_compared < d.spec.max_length:
        click.echo(t("diff_loops_cut", lang, n=d.loops_compared))
    for sign, loops in (("+", d.gained), ("−", d.lost)):
        for w in loops:
            click.echo(printable(f"  {sign} {_loop_arrow(d, w, lang)}"))
    if d.prescriptions:
        click.echo()
        click.echo(t("diff_prescriptions", lang))
        echo_table([("products", "产品"), ("before", "之前"), ("after", "之后")],
                   [[_who(d, p, lang), outcome_text(d, p, "old", lang),
                     outcome_text(d, p, "new", lang) if p.changed or p.old != p.new else t("diff_unchanged", lang)]
                    for p in d.prescriptions])
    if d.merchants_compared:
        click.echo()
        click.echo(t("diff_merchants", lang, compared=d.merchants_compared, changed=len(d.merchants)))
        if d.merchants:
            echo_table(["merchant", ("before", "之前"), ("after", "之后")],
                       [[_who(d, p, lang), outcome_text(d, p, "old", lang), outcome_text(d, p, "new", lang)]
                        for p in d.merchants])


# ---------------------------------------------------------------------- markdown

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~&"})


def md(text) -> str:
    """``text`` safe inside a Markdown paragraph, list item or table cell (never at the
    start of a line): one line, and every character that would be markup there escaped:
    emphasis, code, links (``[``), HTML (``<``, ``&``), table cells (``|``)."""
    return printable(" ".join(str(text).split())).translate(_MD_SPECIAL)


def _print_markdown(d, lang: str) -> None:
    out = [f"### {md(t('diff_title', lang, old=_side_name(d.old_name, lang), new=_side_name(d.new_name, lang)))}", ""]
    if not d.changed:
        out += [md(t("diff_nothing", lang)), ""]
    if d.entities:
        out += [f"**{md(t('diff_map', lang, n=len(d.entities)))}**", ""]
        for e in d.entities:
            out.append(f"- **{md(e.label(lang))}** `{e.id.replace('`', '')}`")
            for c in e.changes:
                cite = _evidence_cell(c)
                text = md(change_text(d, e, c, lang))
                text = "\\" + text if text.startswith("+") else text  # "+ x" would open a nested list
                out.append(f"  - {text}" + (f" — {md(cite)}" if cite else ""))
        out.append("")
    out += [f"**{md(t('diff_loops', lang, old=d.loops_old, new=d.loops_new, gained=len(d.gained), lost=len(d.lost), needs=', '.join(d.spec.needs)))}**", ""]  # noqa: E501
    if d.loops_compared < d.spec.max_length:
        out += [md(t("diff_loops_cut", lang, n=d.loops_compared)), ""]
    for sign, loops in ((t("diff_gained", lang), d.gained), (t("diff_lost", lang), d.lost)):
        out += [f"- {md(sign)}{'：' if lang == 'zh' else ': '}{md(_loop_arrow(d, w, lang))}" for w in loops]
    if d.gained or d.lost:
        out.append("")
    for title, items, head in ((t("diff_prescriptions", lang), d.prescriptions, ("products", "产品")),
                               (t("diff_merchants", lang, compared=d.merchants_compared, changed=len(d.merchants)),
                                d.merchants, "merchant")):
        if not items and not (head == "merchant" and d.merchants_compared):
            continue
        out += [f"**{md(title)}**", ""]
        if items:
            cols = [i18n.header(h, lang) for h in (head, ("before", "之前"), ("after", "之后"))]
            out += ["| " + " | ".join(md(c) for c in cols) + " |", "| --- | --- | --- |"]
            for p in items:
                after = outcome_text(d, p, "new", lang) if p.changed or p.old != p.new else t("diff_unchanged", lang)
                out.append(f"| {md(_who(d, p, lang))} | {md(outcome_text(d, p, 'old', lang))} | {md(after)} |")
            out.append("")
    click.echo("\n".join(out).rstrip("\n"))


# ---------------------------------------------------------------------- csv

#: Columns of ``--format csv``: those of :meth:`~ccare.graph.diff.MapDiff.records`, empty where a row has none.
CSV_COLUMNS = ["section", "entity", "label", "type", "status", "what", "change", "field", "relation", "other",
               "other_label", "old", "new", "inferred", "evidence", "nodes", "loop", "supporting", "needs",
               "merchant", "has", "has_label", "changed", "old_status", "old_add", "old_loop", "new_status",
               "new_add", "new_loop"]


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# ---------------------------------------------------------------------- the command


def _load_side(side: str, data, whole: bool):
    """The map a side names, ``data`` merged in: through the one load path (the shipped map
    merged with the side's files), or, for ``--whole-maps``, the side's files alone."""
    files = tuple(dict.fromkeys([*side_files(side), *data]))
    if not whole or side == SHIPPED:
        return load_map(files)
    from ccare.api import Map
    from ccare.commands.common import _remember_kb, store_options
    from ccare.kb.model import load

    kind, use_cache = store_options()
    return Map(_remember_kb(load(files, shipped=False, store=kind, cache=use_cache)))



@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--has", "has", multiple=True, metavar="P[,P...]",
              help="A merchant's products (comma-separated ids or zh/en names): its best prescription before "
                   "and after. Repeat for several merchants.")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Merge this RDF file into both maps, e.g. merchants.ttl from `ccare import`: each merchant's "
                   "prescription before and after. Repeatable.")
@click.option("--whole-maps", is_flag=True, default=False,
              help="OLD and NEW are each a whole map (the ontology and the knowledge base, e.g. a copy of ccare's "
                   "ontology folder from another version): they are not merged with the shipped map. The word "
                   "`shipped` still names the shipped map.")
@loop_options
@click.option("--fail-on-change", is_flag=True, default=False,
              help=f"Exit {EXIT_CHANGED} when anything changed, so scripts tell a change from an error (1), a "
                   "usage mistake (2) and a comparison cut short (3).")
@timeout_options
@output_option(answers=(EXIT_CHANGED,))
@lang_option
@format_option("table", "json", "markdown", "csv")
def diff(old, new, has, data, whole_maps, needs, payment, domains, max_length, fail_on_change, timeout, max_steps,
         lang, fmt):
    """What changed from map OLD to map NEW, and what it does to merchants.

    OLD and NEW are each an RDF file, a folder of RDF files, or the word `shipped`
    (the shipped map alone); each is merged with the shipped map, as --data would be
    (with --whole-maps, each is a whole map of its own, e.g. another version of it).
    Changes are grouped by entity, with labels: products added or removed, relations
    added, removed or turned from stated to inferred, facts with a new value, bound or
    status, evidence moved or changed. Then the operating loops gained and lost, and
    the best prescription, before and after, for each --has set and each merchant of
    --data that changes.

    Exit code 0: compared (changed or not); with --fail-on-change, 4 when anything
    changed; 1: an error; 2: a usage mistake; 3: cut short by --timeout.

    \b
    Examples:
      ccare diff shipped examples/extension.ttl
      ccare diff old/ new/ --has 商家粉丝群 --has mini-program,coupons --lang zh
      ccare diff shipped mine.ttl --data merchants.ttl --format markdown -o changes.md
      ccare diff shipped map-2024/ --whole-maps --fail-on-change
    """
    sides = [_load_side(side, data, whole_maps) for side in (old, new)]
    budget = _budget(timeout, max_steps)
    spec = _spec(needs, payment, domains, max_length)
    from ccare.portfolio.batch import run  # each distinct question answered once, as `portfolio prescribe`
    from ccare.portfolio.index import merchants  # a portfolio in both maps (--data): each merchant compared

    result = compare(sides[0], sides[1], has=[_names([h]) for h in has], merchants=merchants, run=run, spec=spec,
                     budget=budget, old_name=SHIPPED if old == SHIPPED else old,
                     new_name=SHIPPED if new == SHIPPED else new)
    if fmt == "json":
        echo_json(result.to_json())
    elif fmt == "markdown":
        _print_markdown(result, lang)
    elif fmt == "csv":  # one row per change, loop gained or lost, prescription compared (MapDiff.records)
        rows = result.records(lang)
        echo_csv(CSV_COLUMNS, [[_cell(r.get(c)) for c in CSV_COLUMNS] for r in rows])
    else:
        _print_table(result, lang)
    _finish(budget)
    if fail_on_change and result.changed:
        raise click.exceptions.Exit(EXIT_CHANGED)
