"""The first commands: ``info``, ``products``, ``show``, ``validate``."""

from __future__ import annotations

import click

from ccare import i18n
from ccare.commands.common import (
    NeedCode,
    cells,
    citations,
    common_options,
    current_base,
    current_endpoint,
    domain_option,
    echo_csv,
    echo_json,
    echo_table,
    endpoint_option,
    endpoint_timeout_option,
    fmt_evidence,
    format_option,
    lang_option,
    load_kb,
    map_option,
    output_option,
    rationale,
    relation_label,
    resolve_needs,
)
from ccare.errors import CcareError
from ccare.i18n import t
from ccare.kb.model import KINDS
from ccare.kb.quantities import fact_text
from ccare.text.render import printable

__all__ = ["info", "products", "show", "list_cmd", "validate_cmd"]


_INFO_KEYS = {f"info_{k}" for k in ("triples", "products", "core_products", "programmes", "needs", "values",
                                    "relations", "flows", "assertions", "inferred_assertions", "facts", "classes")}


@click.command()
@output_option
@endpoint_timeout_option
@common_options("table", "json", "csv")
def info(data, lang, fmt):
    """What is loaded: triples, products, needs, values, relations, sources."""
    kb = load_kb(data)
    d = kb.info()
    if fmt == "json":
        echo_json(d)
        return
    if fmt == "csv":  # one row per count, source and data file: what, value
        echo_csv(["what", "value"], [[k, v] for k, v in d.items() if not isinstance(v, list)]
                 + [["source", s["id"]] for s in d["sources"]] + [["data_file", f] for f in d["data_files"]])
        return
    rows = [[t(f"info_{k}", lang) if f"info_{k}" in _INFO_KEYS else k.replace("_", " "),
             f"{v:,}" if isinstance(v, int) else str(v)]
            for k, v in d.items() if not isinstance(v, list)]
    cite = citations()
    for s in d["sources"]:
        label = s['labels'].get(lang) or s['labels'].get('en') or s['labels'].get('zh', '')
        rows.append([t("info_source", lang), f"{cite.name(s['id'], lang)}{'：' if lang == 'zh' else ': '}{label} "
                                             f"[{s['id']}, {s['file']}]"])
    for f in d["data_files"]:
        rows.append([t("info_data_file", lang), f])
    echo_table(["what", "count"], rows)


#: A product that serves no value still gets one row, its value cells empty.
_NO_VALUE: list[tuple] = [(None, None, None)]


@click.command()
@click.option("--need", type=NeedCode(), help="Only products serving this need: its code (SCALE, ACTIVE, WORTH, "
                                               "EFFICIENCY, any case) or its zh or en name.")
@click.option("--value", "value", metavar="VALUE",
              help="Only products serving this value (id or label, e.g. interactive).")
@domain_option
@click.option("--type", "ptype", type=click.Choice(["core", "other"]),
              help="Only the six core products, or only the others.")
@output_option
@endpoint_timeout_option
@common_options("table", "json", "csv")
def products(need, value, domain, ptype, data, lang, fmt):
    """Products with the needs and values they serve, each with its evidence.

    \b
    Examples:
      ccare products --need ACTIVE
      ccare products --need 高质量关系维护 --format csv
      ccare products --domain private-domain --lang zh
    """
    kb = load_kb(data)
    need = resolve_needs(kb, need, "--need")
    rows = kb.products(need=need, value=value, domain=domain, core=None if ptype is None else ptype == "core")
    _warn_left_out(kb, lang)
    if fmt == "json":
        echo_json([r.to_json() for r in rows])
        return
    if fmt == "csv":  # one row per value served; a product serving none has one row with the value empty
        echo_csv(["id", "label", "needs", "domains", "value", "value_label", "need", "inferred", "evidence"],
                 [[r.entity.id, r.entity.label(lang), cells(r.needs), cells(d.id for d in r.domains),
                   v.id if v else "", v.label(lang) if v else "", code or "",
                   ("true" if st.inferred else "false") if st else "", fmt_evidence(st.evidence) if st else ""]
                  for r in rows for v, code, st in r.values or _NO_VALUE])
        return
    if not rows:
        click.echo(t("no_product_matches", lang))
        return
    table = []
    for r in rows:
        first = True
        for v, code, st in r.values or _NO_VALUE:
            table.append([
                r.entity.id if first else "",
                r.entity.label(lang) if first else "",
                ",".join(r.needs) if first else "",
                ("、".join(d.label("zh") for d in r.domains) if lang == "zh" else
                 ",".join(d.id for d in r.domains)) if first else "",
                f"{v.label(lang)} ({code})" if v else "",
                fmt_evidence(st.evidence, st.inferred) if st else "",
            ])
            first = False
    echo_table(["id", "product", "needs", "domains", "value", "evidence"], table)


def _warn_left_out(kb, lang: str) -> None:
    """Say on stderr which things serve values or live in a domain, as products do, but
    are not products (no ``cc:Product`` type, or a type the map does not know): they are
    not listed, and ``ccare validate`` says what is wrong with them."""
    from ccare.ontology import CC

    known = set(kb.instances(CC.Product))
    for cls in (CC.Offering, CC.Practice):
        known.update(kb.instances(cls))
    strays = sorted({kb.node_id(s) for p in (CC.serves, CC.livesIn) for s in kb.graph.subjects(p, None)
                     if s not in known})
    if strays:
        click.echo(t("products_left_out", lang, ids=", ".join(strays)), err=True)


@click.command("list")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@output_option
@endpoint_timeout_option
@common_options("table", "json", "csv")
def list_cmd(kind, data, lang, fmt):
    """Entities of one KIND, with the evidence that introduces each and their relations.

    \b
    Examples:
      ccare list advantages
      ccare list facts --format json
    """
    kb = load_kb(data)
    items = kb.list_entities(KINDS[kind])
    if fmt == "json":
        echo_json(items)
        return
    if fmt == "csv":  # one row per entity; its relations as relation=id;... in one cell
        echo_csv(["id", "label", "relations", "evidence"],
                 [[it["id"], it["labels"].get(lang) or it["labels"].get("en") or it["id"],
                   cells(f"{r['relation']}={r['entity']['id']}" for r in it["out"]), fmt_evidence(it["evidence"])]
                  for it in items])
        return
    if not items:
        click.echo(t("no_kind", lang, kind=kb.entity(KINDS[kind]).label(lang) if lang == "zh" else kind))
        return
    rows = []
    for it in items:
        links: dict = {}
        for r in it["out"]:
            e = r["entity"]
            links.setdefault(r["relation"], []).append(e["labels"].get("zh") or e["id"] if lang == "zh" else e["id"])
        rows.append([
            it["id"],
            it["labels"].get(lang) or it["labels"].get("en") or it["id"],
            ("；" if lang == "zh" else "; ").join(
                f"{relation_label(k, lang)}：{'、'.join(v)}" if lang == "zh" else f"{k}: {', '.join(v)}"
                for k, v in links.items()),
            fmt_evidence(it["evidence"]),
        ])
    echo_table(["id", "label", "relations", "evidence"], rows)


@click.command()
@click.argument("name")
@output_option
@endpoint_timeout_option
@common_options("table", "json", "csv")
def show(name, data, lang, fmt):
    """One entity: labels, type, relations in and out, facts, with evidence.

    NAME is the id or the Chinese or English label, in any case.
    """
    kb = load_kb(data)
    node = kb.resolve(name)
    d = kb.describe(node)
    other = "en" if lang == "zh" else "zh"
    if fmt == "json":
        echo_json(d)
        return
    if fmt == "csv":  # the entity itself, then one row per relation out and in, attribute and fact
        rows = [["entity", "", d["id"], d["labels"].get(lang) or d["labels"].get(other) or d["id"], "",
                 fmt_evidence(d["evidence"]) if d["evidence"] else "", ""]]
        rows += [[key, r["relation"], r["entity"]["id"], r["entity"]["labels"].get(lang) or r["entity"]["id"],
                 "true" if r["inferred"] else "false", fmt_evidence(r["evidence"]),
                 rationale(r["rationale"], lang) or ""]
                for key in ("out", "in") for r in d[key]]
        rows += [["attribute", a["property"], "", a["value"], "true" if a["inferred"] else "false",
                  fmt_evidence(a["evidence"]), ""] for a in d["attributes"]]
        rows += [["fact", f["id"], f["id"], fact_text(f, lang, lambda i: _term(kb, i, lang)), "false",
                  fmt_evidence(f["evidence"]), ""] for f in d["facts"]]
        echo_csv(["direction", "relation", "id", "label", "inferred", "evidence", "rationale"], rows)
        return
    other = "en" if lang == "zh" else "zh"
    colon = "：" if lang == "zh" else ": "
    def field(key, value):  # "id:    fan-group" (aligned as ccare always has), "编号：fan-group"
        name = t("show_" + key, lang)
        return f"{name}：{value}" if lang == "zh" else f"{name + ':':<6} {value}"
    type_node = kb.most_specific_type(node) if d['type'] else None
    type_name = kb.node_id(type_node) if type_node is not None else '-'
    if lang == "zh" and type_node is not None and kb.entity(type_node).labels.get("zh"):
        type_name = f"{kb.entity(type_node).labels['zh']} ({type_name})"
    lines = [
        f"{d['labels'].get(lang) or d['id']}  ({d['labels'].get(other, '')})",
        field("id", d['id']),
        field("iri", d['iri']),
        field("type", type_name),
    ]
    if d.get("code"):
        lines.append(field("code", d['code']))
    if d.get("needs"):
        lines.append(field("needs", ', '.join(d['needs'])))
    if d["alt_labels"]:
        lines.append(field("also", ', '.join(d['alt_labels'])))
    definition = d["definition"].get(lang) or d["definition"].get("en") or d["definition"].get("zh")
    if definition:
        lines.append(field("definition", definition))
    note = d["change_note"].get(lang) or d["change_note"].get("en") or d["change_note"].get("zh")
    if note:
        lines.append(field("change_note", note))
    if d["evidence"]:
        lines.append(field("evidence", fmt_evidence(d["evidence"])))
    q = d.get("quantity")
    if q:
        counts = kb.entity(kb.resolve(q["counts"])).to_json() if q.get("counts") else None
        lines.append(field("value", fact_text({**q, "counts": counts}, lang, lambda i: _term(kb, i, lang))))
    click.echo(printable("\n".join(lines)))
    for title, key in (("relations_out", "out"), ("relations_in", "in")):
        if d[key]:
            click.echo(f"\n{t(title, lang)}{colon.strip()}")
            echo_table(
                ["relation", "entity", "evidence"],
                [[relation_label(r["relation"], lang),
                  f"{r['entity']['labels'].get(lang) or r['entity']['id']} [{r['entity']['id']}]",
                  fmt_evidence(r["evidence"], r["inferred"])
                  + (f" — {rationale(r['rationale'], lang)}" if r["rationale"] else "")]
                 for r in d[key]],
            )
    if d["attributes"]:
        click.echo(f"\n{t('attributes', lang)}{colon.strip()}")
        echo_table(["property", ("value", "取值"), "evidence"],
                   [[relation_label(a["property"], lang), a["value"], fmt_evidence(a["evidence"], a["inferred"])]
                    for a in d["attributes"]])
    if d["facts"]:
        click.echo(f"\n{t('facts', lang)}{colon.strip()}")
        echo_table(
            ["fact", ("value", "数值"), "evidence"],
            [[f["labels"].get(lang) or f["id"], fact_text(f, lang, lambda i: _term(kb, i, lang)),
              fmt_evidence(f["evidence"])]
             for f in d["facts"]],
        )


def _violation_row(kb, v, lang: str) -> list:
    """One violation: the node (with its label in ``lang``), the rule and its message, and the offending value."""
    name, message = i18n.rule(v.rule, v.message, lang)
    if v.value and v.value != v.focus and v.value not in v.message:
        message += " " + t("value_tag", lang, value=v.value)
    label = v.focus_label
    if lang == "zh" and v.focus:
        try:
            label = kb.entity(kb.resolve(v.focus)).labels.get("zh") or label
        except CcareError:  # a blank node or a name that is not an entity's
            pass
    return [f"{v.focus}" + (f" ({label})" if label else ""), name, message]


def _term(kb, ident, lang: str) -> str:
    """A term of the map named by id (a bound, a counted kind) as the reader calls it."""
    if not ident or lang != "zh":
        return ident or ""
    try:
        return kb.entity(kb.resolve(ident)).labels.get("zh") or ident
    except Exception:  # not a term of the map: its id
        return ident


def _source_warning(s, lang: str) -> str:
    """A source whose quotes were not checked (not found, or not a plain file name), said in ``lang``."""
    if s.status == "not a plain name":
        return t("source_not_plain", lang, source=s.source, file=repr(s.file), n=s.quotes)
    if s.status == "not text":
        return t("source_not_text", lang, source=s.source, file=s.file, kind=i18n.detail(s.reason or "", lang),
                 n=s.quotes)
    folders = i18n.join(s.looked_in, lang) if s.looked_in else t("none", lang)
    return t("source_not_found", lang, source=s.source, file=s.file, folders=folders, n=s.quotes)


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--sources", "sources", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False),
              help="Look for the source texts the evidence quotes in DIR too (after each FILE's folder). Repeatable.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds the validation may run; then it is stopped (exit 3).")
@click.option("--engine", type=click.Choice(["auto", "native", "pyshacl"]), default="auto", show_default=True,
              help="Who checks the SHACL rules: auto (ccare's own engine, else pySHACL), native (ccare's own "
                   "only), pyshacl (pySHACL, the reference). Both give the same report; ccare's is faster.")
@map_option
@endpoint_option
@output_option(answers=(1,))
@lang_option
@format_option("table", "json", "csv")
def validate_cmd(files, sources, timeout, engine, lang, fmt):
    """Check RDF FILES, merged with the shipped map, against the map's SHACL rules.

    With --endpoint, check everything that endpoint holds (the map and the merchants),
    merged with FILES if any.

    Every quote whose source (cc:Source) names a file ccare finds is checked too:
    verbatim, on the line it gives. The file (a plain name, cc:file) is looked for in
    each FILE's folder, then in --sources DIR, then among the sources ccare ships; a
    source not found is a warning, a quote off its line a violation naming the line
    where the quote does occur.

    Prints each violation (focus node, rule, message). Exit code 0: the merged
    map conforms; 1: it does not (or a file could not be read); 3: stopped by --timeout.

    \b
    Examples:
      ccare validate examples/extension.ttl
      ccare validate notes.ttl --sources interviews/
      ccare validate --endpoint http://localhost:7878/query
    """
    from ccare.query.shacl import validate

    endpoint = current_endpoint()
    if not files and endpoint is None and not current_base():
        raise click.UsageError(t("validate_nothing", lang))
    kb = load_kb(files, whole=True)
    if endpoint is not None and endpoint.deadline is not None:
        import time

        # --timeout covers the whole command: fetching the endpoint's map took part of it
        timeout = max(endpoint.deadline - time.monotonic(), 0.001)
    report = validate(kb, timeout=timeout, sources=sources, engine=engine)
    if fmt != "json":  # JSON carries them in "warnings"; CSV in rows of severity Warning
        for s in report.warnings:
            click.echo(_source_warning(s, lang), err=True)
    if fmt == "json":
        echo_json(report.to_json())
    elif fmt == "csv":  # one row per violation, then per warning; conforming with no warning: the header alone
        echo_csv(["focus", "focus_label", "rule", "message", "path", "value", "severity"],
                 [[v.focus, v.focus_label or "", v.rule, v.message, v.path or "", v.value or "", v.severity]
                  for v in report.violations]
                 + [[s.source, "", "source is found", s.message(), "cc:file", s.file, "Warning"]
                    for s in report.warnings])
    elif report.conforms:
        base = current_base()
        if base:
            extra = t("conforms_endpoint_extra", lang, n=len(files)) if files else ""
            click.echo(t("conforms_map", lang, map=", ".join(base), extra=extra))
        elif endpoint is None:
            click.echo(t("conforms_files", lang, n=len(files)))
        else:
            from ccare.endpoint.client import redact

            extra = t("conforms_endpoint_extra", lang, n=len(files)) if files else ""
            click.echo(t("conforms_endpoint", lang, triples=f"{len(kb.graph):,}", url=redact(endpoint.query_url),
                         extra=extra))
    else:
        echo_table(
            ["focus node", "rule", "message"],
            [_violation_row(kb, v, lang) for v in report.violations],
        )
        click.echo("\n" + t("violations", lang, n=len(report.violations)), err=True)
    if not report.conforms:
        raise click.exceptions.Exit(1)
