"""Graph queries: ``path``, ``loops``, ``prescribe``, ``gaps``, ``coverage``, ``rank``, ``whatif``.

Each command loads the map, builds its graph (:mod:`ccare.graph.build`), calls one
function of :mod:`ccare.graph` and renders the result.  Searches share a
:class:`~ccare.limits.Budget` (``--timeout``); when it runs out, what was found is
printed, stderr says why the answer was cut short, and the exit code is
:data:`~ccare.limits.EXIT_CUT_SHORT`.
"""

from __future__ import annotations

import functools
import io
from itertools import islice

import click

from ccare.commands.common import (
    NeedList,
    NeedName,
    cells,
    common_options,
    current_lang,
    echo_json,
    echo_table,
    fmt_evidence,
    load_graph,
    load_kb,
    merchant_profile,
    output_option,
    relation_label,
    resolve_needs,
)
from ccare.commands.export import query_export_options, report_options, write_query_exports
from ccare.graph.coverage import coverage as coverage_rows
from ccare.graph.coverage import values_by_need
from ccare.graph.gaps import gaps as find_gaps
from ccare.graph.loops import DEFAULT_MAX_LENGTH, MAX_LENGTH, LoopSpec, hub_of, operating_loops
from ccare.graph.paths import product_paths
from ccare.graph.prescribe import SCALES, STAGES, prescriptions
from ccare.graph.rank import MEASURES, explain
from ccare.graph.rank import rank as rank_products
from ccare.graph.whatif import whatif as drop_product
from ccare.i18n import join as _join
from ccare.i18n import reason as _reason
from ccare.i18n import t
from ccare.kb.model import NEED_CODES
from ccare.limits import DEFAULT_TIMEOUT, EXIT_CUT_SHORT, Budget
from ccare.ontology import CC
from ccare.text import csvcells as csvsafe
from ccare.text import terminal as termsafe

__all__ = ["path", "loops", "prescribe", "gaps", "coverage", "rank", "whatif"]


# ---------------------------------------------------------------------- options


def timeout_options(f):
    f = click.option("--max-steps", type=click.IntRange(min=1), default=None, hidden=True,
                     help="Stop the search after this many steps (for reproducible limits).")(f)
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Stop searching after this long; what was found is shown and the exit code is 3.",
    )(f)


def loop_options(f):
    """``--needs``, ``--via-payment/--not-via-payment``, ``--domains/--any-domain``, ``--max-length``.

    ``--payment/--no-payment``, the old name of ``--via-payment``, still works for one
    release, with a note on stderr (it was too easily read as "the merchant takes no
    payment", which is ``--no-alipay-payment``).
    """

    @functools.wraps(f)
    def merged(*args, old_payment=None, **kw):
        if old_payment is not None:
            click.echo(t("deprecated_payment", current_lang()), err=True)
            kw["payment"] = old_payment
        if any(isinstance(n, NeedName) for n in kw.get("needs") or ()):  # names: the map says which need
            kw["needs"] = resolve_needs(load_kb(kw.get("data") or ()), kw["needs"])
        return f(*args, **kw)

    g = click.option("--max-length", type=click.IntRange(1, MAX_LENGTH), default=DEFAULT_MAX_LENGTH,
                     show_default=True, help=f"Most products on the loop's cycle (1 to {MAX_LENGTH}); "
                     "offerings that support a product on it are not counted.")(merged)
    g = click.option("--domains/--any-domain", default=True, show_default=True,
                     help="Require the loop to keep customers in the private domain and to reach them in the "
                          "public domain or through an entry channel.")(g)
    g = click.option("--payment/--no-payment", "old_payment", default=None, hidden=True,
                     help="Old name of --via-payment/--not-via-payment.")(g)
    g = click.option("--via-payment/--not-via-payment", "payment", default=True, show_default=True,
                     help="Require the loop to pass through payment, the hub.")(g)
    return click.option("--needs", type=NeedList(), default=",".join(NEED_CODES), show_default=True,
                        help="Needs the loop's products and supporting offerings must together serve "
                             "(comma-separated codes, any case, or zh/en names).")(g)


def alipay_payment_option(f):
    """``--no-alipay-payment``: the merchant does not take Alipay payment, so payment may be
    prescribed (by default every merchant has it and it is never added)."""
    return click.option("--no-alipay-payment", "no_alipay_payment", is_flag=True, default=False,
                        help="The merchant does not take Alipay payment: payment may be added. "
                             "By default payment counts as present and is never added.")(f)


def _names(values) -> list[str]:
    """Products given as repeatable and/or comma-separated options."""
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


# ---------------------------------------------------------------------- helpers


def _graph(data: tuple):
    """``(kb, G)`` for ``--data`` (and whatever else :func:`load_map` honours): the map's
    knowledge base and its graph (:attr:`ccare.api.Map.graph`)."""
    return load_graph(data)


def _offering(kb, name: str) -> str:
    """The node id of the product, programme or practice called ``name``: what a
    merchant may run (unknown: exit 1 with near matches among them)."""
    return kb.offering_id(name)


def _product(kb, name: str) -> str:
    """The node id of the product called ``name`` (unknown: exit 1 with near matches)."""
    return kb.node_id(kb.resolve(name, CC.Product, kind="product"))


def _budget(timeout, max_steps) -> Budget:
    return Budget(timeout=timeout, max_steps=max_steps)


def _finish(budget: Budget) -> None:
    if budget.cut_short:
        lang = current_lang()
        click.echo(t("cut_short", lang, reason=_reason(budget.reason, lang)), err=True)
        raise click.exceptions.Exit(EXIT_CUT_SHORT)


def _label(G, n, lang) -> str:
    labels = G.nodes[n].get("labels") or {}
    return labels.get(lang) or labels.get("en") or n


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _echo_csv(headers, rows) -> None:
    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\n")  # formula-like cells guarded unless --csv-raw
    w.writerow(headers)
    w.writerows(rows)
    termsafe.machine_stdout().write(buf.getvalue())


#: Coverage marks, one set for tables and reports: ● stated, ○ inferred, – none.
MARKS = {"stated": "●", "inferred": "○", None: "–"}


def _panel(html, G, q: str, **question):
    """The question the ``--html`` page's panel opens on, asked (None without ``--html``, or
    when the panel cannot ask it as it was asked: :func:`ccare.exports.html.panel_question`)."""
    if not html:
        return None
    from ccare.exports.html import panel_question

    return panel_question(G, q, **question)


def _spec(needs, payment, domains, max_length, through=(), without=()) -> LoopSpec:
    return LoopSpec(needs=tuple(needs), payment=payment, domains=domains, max_length=max_length,
                    through=tuple(through), without=tuple(without))


def _describe_spec(spec: LoopSpec, G, lang) -> str:
    bits = [t("spec_serving", lang, needs=", ".join(spec.needs)) if spec.needs else t("spec_any_needs", lang)]
    hub = hub_of(G, spec)
    if spec.payment:
        bits.append(t("spec_through", lang, p=_label(G, hub, lang) if hub in G else (hub or "payment")))
    for p in spec.through:
        bits.append(t("spec_through", lang, p=_label(G, p, lang)))
    if spec.domains:
        bits.append(t("spec_domains", lang))
    for p in spec.without:
        bits.append(t("spec_without", lang, p=_label(G, p, lang)))
    return t("spec_sep", lang).join(bits + [t("spec_within", lang, n=spec.max_length)])


def _arrow(G, nodes, lang, closed) -> str:
    names = [_label(G, n, lang) for n in nodes]
    if closed and names:
        names.append(names[0])
    return " → ".join(names)


def _loop_arrow(G, w, lang) -> str:
    """A loop's cycle as an arrow, then the offerings supporting it: ``A → B → A (+ C)``."""
    arrow = _arrow(G, w.nodes, lang, True)
    if w.attached:
        arrow += f"（+ {_join([_label(G, a.offering, lang) for a in w.attached], lang)}）" if lang == "zh" else \
            f" (+ {_join([_label(G, a.offering, lang) for a in w.attached], lang)})"
    return arrow


def _print_steps(G, w, lang) -> None:
    """A loop or path step by step: product, needs it contributes, relation, next, evidence."""
    rows = []
    for i, st in enumerate(w.steps, 1):
        rows.append([str(i), f"{_label(G, st.source, lang)} [{st.source}]",
                     " ".join(G.nodes[st.source].get("needs", ())) or "-",
                     relation_label(st.relation, lang), f"{_label(G, st.target, lang)} [{st.target}]",
                     fmt_evidence(st.evidence, st.inferred)])
    if not w.closed and w.nodes:
        last = w.nodes[-1]
        rows.append([str(len(w.steps) + 1), f"{_label(G, last, lang)} [{last}]",
                     " ".join(G.nodes[last].get("needs", ())) or "-", "", "", ""])
    echo_table(["step", "product", "needs", "relation", "next", "evidence"], rows)


#: Columns of ``--format csv`` for paths, loops and prescriptions: one row per step.
STEP_COLUMNS = ["result", "step", "from", "from_label", "relation", "to", "to_label", "inferred", "evidence", "needs"]


def _step_rows(G, w, lang, result: int, extra=()) -> list[list]:
    """One CSV row per step of the walk ``w`` (``result``: its rank, from 1); ``needs`` are
    the whole walk's.  An empty answer is the header alone (a spreadsheet still opens it)."""
    needs = cells(w.needs)
    return [[result, i, st.source, _label(G, st.source, lang), st.relation, st.target, _label(G, st.target, lang),
             "true" if st.inferred else "false", fmt_evidence(st.evidence), needs, *extra]
            for i, st in enumerate(w.steps, 1)]


def _print_loop(G, w, lang, title) -> None:
    inferred = w.inferred_steps
    click.echo(t("loop_line", lang, title=title, arrow=_arrow(G, w.nodes, lang, True)))
    click.echo(t("loop_facts", lang, products=t("n_products", lang, n=len(w.products)), needs=", ".join(w.needs) or "-",
                 inferred=inferred, steps=len(w.steps)))
    _print_steps(G, w, lang)
    if w.attached:
        click.echo(t("supporting_title", lang))
        for a in w.attached:
            click.echo(t("supporting_line", lang, offering=f"{_label(G, a.offering, lang)} [{a.offering}]",
                         relation=relation_label(a.relation, lang), product=_label(G, a.product, lang),
                         evidence=fmt_evidence(a.evidence, a.inferred)))


# ---------------------------------------------------------------------- path


@click.command()
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--k", "k", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Alternatives to show after the shortest path.")
@click.option("--via", "via", multiple=True, metavar="REL",
              help="Follow only these relations (edge names, e.g. userFlowsTo,dataFlowsTo; comma-separated or "
                   "repeated). Default: user flows between products, the route a customer takes.")
@timeout_options
@query_export_options()
@report_options
@output_option
@common_options("table", "json", "csv")
def path(source, target, k, via, timeout, max_steps, data, lang, fmt, html, report, title, merchant):
    """The shortest path from FROM to TO, and up to K alternatives, each step with evidence.

    \b
    Examples:
      ccare path zhima-credit payment
      ccare path 芝麻信用 支付 --k 1 --lang zh
    """
    kb, G = _graph(tuple(data))
    a, b = kb.node_id(kb.resolve(source)), kb.node_id(kb.resolve(target))
    relations = _names(via)
    budget = _budget(timeout, max_steps)
    found = list(product_paths(G, a, b, k=k, via=relations or None, budget=budget)) if a in G and b in G else []
    results = [w.to_json(G) for w in found]
    if fmt == "json":
        echo_json(results)
    elif fmt == "csv":
        _echo_csv(STEP_COLUMNS, [row for i, w in enumerate(found, 1) for row in _step_rows(G, w, lang, i)])
    elif not found:
        over = _join([relation_label(r, lang) for r in relations], lang) if relations else t("user_flows", lang)
        click.echo(t("no_path", lang, a=_label(G, a, lang) if a in G else a, b=_label(G, b, lang) if b in G else b,
                     over=over))
    else:
        for i, w in enumerate(found):
            if i:
                click.echo()
            head = t("shortest_path", lang) if i == 0 else t("alternative_n", lang, i=i)
            click.echo(t("path_title", lang, title=head, steps=t("n_steps", lang, n=len(w.steps)),
                         arrow=_arrow(G, w.nodes, lang, False)))
            _print_steps(G, w, lang)
    write_query_exports(kb, G, results, html=html, report=report, lang=lang,
                        title=f"{_label(G, a, lang) if a in G else a} → {_label(G, b, lang) if b in G else b}",
                        report_title=title or "", merchant=merchant or "",
                        panel=_panel(html, G, "path", source=a, target=b, via=relations, lang=lang))
    _finish(budget)


# ---------------------------------------------------------------------- loops


@click.command()
@loop_options
@click.option("--through", multiple=True, metavar="P[,P...]",
              help="Only loops through these products (comma-separated or repeated).")
@click.option("--without", multiple=True, metavar="P[,P...]",
              help="Only loops avoiding these products (comma-separated or repeated).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show at most this many loops.")
@timeout_options
@query_export_options()
@output_option
@common_options("table", "json", "csv")
def loops(needs, payment, domains, max_length, through, without, limit, timeout, max_steps, data, lang, fmt, html,
          report):
    """Operating loops: directed cycles of user and data flows that close the merchant's loop.

    A loop's products together serve every requested need; by default it passes through
    payment and touches both the public and the private domain.  Fewest products first,
    then stronger evidence (stated before inferred).

    \b
    Examples:
      ccare loops
      ccare loops --needs SCALE,WORTH --without alipay-live
    """
    kb, G = _graph(tuple(data))
    spec = _spec(needs, payment, domains, max_length,
                 [_product(kb, p) for p in _names(through)], [_offering(kb, p) for p in _names(without)])
    budget = _budget(timeout, max_steps)
    found = list(islice(operating_loops(G, spec, budget), limit + 1))
    more = len(found) > limit
    found = found[:limit]
    results = [w.to_json(G) for w in found]
    if fmt == "json":
        echo_json(results)
    elif fmt == "csv":
        _echo_csv(STEP_COLUMNS, [row for i, w in enumerate(found, 1) for row in _step_rows(G, w, lang, i)])
    elif not found:
        click.echo(t("no_loop", lang, spec=_describe_spec(spec, G, lang)))
    else:
        for i, w in enumerate(found, 1):
            if i > 1:
                click.echo()
            _print_loop(G, w, lang, t("loop_n", lang, i=i))
    if more:
        click.echo(t("more_loops", lang, loops=t("n_loops", lang, n=limit)), err=True)
    write_query_exports(kb, G, results, html=html, report=report, lang=lang,
                        title=t("loops_title", lang),
                        question=_describe_spec(spec, G, lang), panel=_panel(html, G, "loops", spec=spec, lang=lang))
    _finish(budget)


# ---------------------------------------------------------------------- prescribe


def _print_why(G, p, lang) -> None:
    rows = []
    for product, reasons in p.why.items():
        for j, r in enumerate(reasons):
            rows.append([f"{_label(G, product, lang)} [{product}]" if j == 0 else "", r.text(G, lang),
                         fmt_evidence(r.evidence, r.inferred)])
    echo_table(["added", "why", "evidence"], rows)


@click.command()
@click.option("--has", "has", multiple=True, required=True, metavar="P[,P...]",
              help="Products the merchant already runs (comma-separated or repeated).")
@loop_options
@click.option("--scale", metavar="SCALE",
              help=f"The merchant's scale ({', '.join(SCALES)}, or any word `ccare import` takes: 小商家, "
                   "scale-small, ...): favours loops backed by offerings that suit it.")
@click.option("--stage", metavar="STAGE",
              help=f"The merchant's digitalisation stage ({', '.join(STAGES)}, or 探索阶段, stage-mature, ...): "
                   "mature favours broader loops, exploring compact ones.")
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True,
              help="Show at most this many prescriptions.")
@alipay_payment_option
@timeout_options
@query_export_options()
@report_options
@output_option
@common_options("table", "json", "csv")
def prescribe(has, needs, payment, domains, max_length, scale, stage, limit, no_alipay_payment, timeout, max_steps,
              data, lang, fmt, html, report, title, merchant):
    """The fewest products to add so the merchant's products close an operating loop, and why each.

    The loop goes through a product the merchant runs (through payment only when none can
    be on a loop; products it leaves out are named).  Smallest sets first; each set is
    minimal (no part of it would do) and comes with the loop it closes.  Among sets of one
    size, --scale and --stage decide the order.

    \b
    Examples:
      ccare prescribe --has mini-program --needs SCALE,ACTIVE,WORTH
      ccare prescribe --has 商家粉丝群 --scale small --lang zh
    """
    kb, G = _graph(tuple(data))
    scale, stage = merchant_profile(kb, scale, stage)
    mine = sorted({_offering(kb, p) for p in _names(has)})
    spec = _spec(needs, payment, domains, max_length)
    budget = _budget(timeout, max_steps)
    found = list(islice(prescriptions(G, mine, spec, scale=scale, stage=stage, budget=budget,
                                      alipay_payment=not no_alipay_payment), limit))
    results = [p.to_json(G) for p in found]
    if fmt == "json":
        echo_json(results)
    elif fmt == "csv":
        _echo_csv([*STEP_COLUMNS, "add"],
                  [row for i, p in enumerate(found, 1) for row in _step_rows(G, p.loop, lang, i, [cells(p.add)])])
    elif not found:
        click.echo(t("no_prescription", lang, products=_join([_label(G, n, lang) for n in mine], lang),
                     spec=_describe_spec(spec, G, lang)))
    else:
        for i, p in enumerate(found, 1):
            if i > 1:
                click.echo()
            if not p.add:
                click.echo(t("nothing_to_add", lang))
            else:
                click.echo(t("prescription_n", lang, i=i, add=_join([_label(G, n, lang) for n in p.add], lang),
                             n=t("n_products", lang, n=len(p.add))))
                _print_why(G, p, lang)
            _print_loop(G, p.loop, lang, t("loop_it_closes", lang) if p.add else t("loop", lang))
            if p.outside:
                click.echo(t("outside_loop", lang, names=_join([_label(G, n, lang) for n in p.outside], lang)))
    names = _join([_label(G, n, lang) for n in mine], lang)
    write_query_exports(kb, G, results, html=html, report=report, lang=lang,
                        title=t("prescription_title", lang, names=names),
                        question=_describe_spec(spec, G, lang), report_title=title or "",
                        merchant=merchant or t("report_merchant_with", lang, names=names),
                        panel=_panel(html, G, "prescribe", has=mine, spec=spec, scale=scale, stage=stage,
                                     alipay_payment=not no_alipay_payment, lang=lang))
    _finish(budget)


# ---------------------------------------------------------------------- gaps


@click.command()
@click.option("--has", "has", multiple=True, required=True, metavar="P[,P...]",
              help="Products the merchant already runs (comma-separated or repeated).")
@loop_options
@alipay_payment_option
@timeout_options
@query_export_options()
@report_options
@output_option
@common_options("table", "json", "csv")
def gaps(has, needs, payment, domains, max_length, no_alipay_payment, timeout, max_steps, data, lang, fmt, html,
         report, title, merchant):
    """Needs and values the merchant's products leave unserved, and the flows its loop still lacks.

    \b
    Examples:
      ccare gaps --has mini-program,fan-group
      ccare gaps --has 商家粉丝群 --merchant 老乡鸡 --report gaps.html --lang zh
    """
    kb, G = _graph(tuple(data))
    mine = sorted({_offering(kb, p) for p in _names(has)})
    spec = _spec(needs, payment, domains, max_length)
    budget = _budget(timeout, max_steps)
    g = find_gaps(G, mine, spec, budget, alipay_payment=not no_alipay_payment)
    if html or report:
        names = _join([_label(G, n, lang) for n in mine], lang)
        write_query_exports(kb, G, [g.to_json(G)] if g.closing is not None else [], html=html, report=report,
                            lang=lang, title=t("prescription_title", lang, names=names),
                            question=_describe_spec(spec, G, lang), report_title=title or "",
                            merchant=merchant or t("report_merchant_with", lang, names=names))
    if fmt == "json":
        echo_json(g.to_json(G))
        _finish(budget)
        return
    if fmt == "csv":  # one row per finding: what, then its subject, relation or need, object, evidence
        rows = [["unserved_need", c, "", "", "", "", ""] for c in g.unserved_needs]
        rows += [["unserved_value", v, _label(G, v, lang), c, cells(offered), "", ""]
                 for v, c, offered in g.unserved_values]
        rows += [["flow", s.source, _label(G, s.source, lang), s.relation, s.target,
                  "true" if s.inferred else "false", fmt_evidence(s.evidence)] for s in g.flows]
        if g.closing is not None:
            rows += [["add", n, _label(G, n, lang), "", cells(g.closing.loop.nodes), "", ""] for n in g.closing.add]
            rows += [["missing_flow", s.source, _label(G, s.source, lang), s.relation, s.target,
                      "true" if s.inferred else "false", fmt_evidence(s.evidence)] for s in g.missing]
        rows.append(["closed", "true" if g.closed else "false", "", "",
                     cells(g.closing.loop.nodes) if g.closing else "", "", ""])
        _echo_csv(["finding", "id", "label", "relation_or_need", "to", "inferred", "evidence"], rows)
        _finish(budget)
        return
    L = functools.partial(_label, G, lang=lang)
    click.echo(t("gaps_products", lang, products=_join([L(n) for n in g.has], lang)))
    click.echo(t("gaps_needs", lang, served=", ".join(c for c in g.needs if g.served[c]) or t("none", lang),
                 unserved=", ".join(g.unserved_needs) or t("none", lang)))
    if g.unserved_values:
        click.echo("\n" + t("gaps_values_unserved", lang))
        echo_table(["value", "need", "offered by"],
                   [[L(v), c, _join([L(o) for o in offered], lang) or "-"] for v, c, offered in g.unserved_values])
    else:
        click.echo(t("gaps_all_values", lang))
    if g.flows:
        click.echo("\n" + t("gaps_flows", lang))
        echo_table(["from", "relation", "to", "evidence"],
                   [[L(s.source), relation_label(s.relation, lang), L(s.target), fmt_evidence(s.evidence, s.inferred)]
                    for s in g.flows])
    if g.closing is None:
        click.echo("\n" + t("gaps_no_loop", lang, spec=_describe_spec(spec, G, lang)))
    elif g.closed:
        click.echo("\n" + t("gaps_closed", lang, arrow=_loop_arrow(G, g.closing.loop, lang)))
    else:
        key = "gaps_open" if g.missing else "gaps_open_support"
        click.echo("\n" + t(key, lang, add=_join([L(n) for n in g.closing.add], lang),
                            arrow=_loop_arrow(G, g.closing.loop, lang)))
        if g.missing:
            echo_table(["from", "relation", "to", "evidence"],
                       [[L(s.source), relation_label(s.relation, lang), L(s.target),
                         fmt_evidence(s.evidence, s.inferred)]
                        for s in g.missing])
        for a in g.closing.loop.attached:
            if a.offering in g.closing.add:
                click.echo(t("supporting_line", lang, offering=f"{L(a.offering)} [{a.offering}]",
                             relation=relation_label(a.relation, lang), product=L(a.product),
                             evidence=fmt_evidence(a.evidence, a.inferred)))
    _finish(budget)


# ---------------------------------------------------------------------- coverage


@click.command()
@click.argument("products", nargs=-1, metavar="[P...]")
@timeout_options
@output_option
@common_options("table", "json", "csv")
def coverage(products, timeout, max_steps, data, lang, fmt):
    """Product × need/value matrix: which product serves which of the eight values.

    In the table, ● marks a stated assertion, ○ an inferred one and – none; the CSV
    spells them out: stated, inferred, empty.

    \b
    Examples:
      ccare coverage
      ccare coverage mini-program fan-group --format csv
    """
    kb, G = _graph(tuple(data))
    which = [_product(kb, p) for p in _names(products)] or None
    rows = coverage_rows(G, which)
    by_need = values_by_need(G)
    cols = [(c, v) for c in NEED_CODES for v in by_need.get(c, [])]
    if fmt == "json":
        echo_json([r.to_json(G) for r in rows])
    elif fmt == "csv":
        _echo_csv(["id", "label", "needs", *[f"{c}/{v}" for c, v in cols]],
                  [[r.product, _label(G, r.product, lang), cells(r.needs), *[r.values[v] or "" for _, v in cols]]
                   for r in rows])
    else:
        mark = MARKS
        echo_table(["product", "needs", *[f"{c}/{_label(G, v, lang)}" for c, v in cols]],
                   [[f"{_label(G, r.product, lang)} [{r.product}]", " ".join(r.needs) or "-",
                     *[mark[r.values[v]] for _, v in cols]] for r in rows])
        click.echo(t("coverage_key", lang))
    _finish(_budget(timeout, max_steps))


# ---------------------------------------------------------------------- rank


@click.command()
@click.option("--by", type=click.Choice(MEASURES), default="betweenness", show_default=True,
              help="Centrality measure on the product flow graph.")
@timeout_options
@output_option
@common_options("table", "json", "csv")
def rank(by, timeout, max_steps, data, lang, fmt):
    """Products ranked by their role in the flow graph, and why the top one matters.

    \b
    Examples:
      ccare rank
      ccare rank --by pagerank --format csv
    """
    kb, G = _graph(tuple(data))
    budget = _budget(timeout, max_steps)
    ranked = rank_products(G, by)
    loops_all = list(operating_loops(G, LoopSpec(), budget))
    if fmt == "json":
        out = []
        for r in ranked:
            d = r.to_json(G)
            d["why"] = explain(G, r.product, by, loops_all, lang="en")
            out.append(d)
        echo_json(out)
    elif fmt == "csv":
        _echo_csv(["rank", "id", "label", by], [[i, r.product, _label(G, r.product, lang), f"{r.score:.6g}"]
                                                 for i, r in enumerate(ranked, 1)])
    elif not ranked:
        click.echo(t("no_products_to_rank", lang))
    else:
        echo_table(["rank", "product", by],
                   [[str(i), f"{_label(G, r.product, lang)} [{r.product}]", f"{r.score:.3f}"]
                    for i, r in enumerate(ranked, 1)])
        click.echo("\n" + explain(G, ranked[0].product, by, loops_all, lang=lang))
    _finish(budget)


# ---------------------------------------------------------------------- whatif


@click.command()
@click.option("--drop", required=True, metavar="P", help="The product to remove.")
@loop_options
@timeout_options
@output_option
@common_options("table", "json", "csv")
def whatif(drop, needs, payment, domains, max_length, timeout, max_steps, data, lang, fmt):
    """What breaks if a product is dropped: operating loops lost and kept.

    \b
    Examples:
      ccare whatif --drop alipay-live
    """
    kb, G = _graph(tuple(data))
    p = _offering(kb, drop)
    spec = _spec(needs, payment, domains, max_length)
    budget = _budget(timeout, max_steps)
    w = drop_product(G, p, spec, budget)
    if fmt == "json":
        echo_json(w.to_json(G))
        _finish(budget)
        return
    if fmt == "csv":  # one row per loop lost or kept, then each product stranded
        rows = [[status, i, cells(x.nodes), cells(a.offering for a in x.attached), cells(x.needs), x.inferred_steps,
                 len(x.steps)]
                for status, group in (("lost", w.lost), ("kept", w.kept)) for i, x in enumerate(group, 1)]
        rows += [["stranded", "", n, "", "", "", ""] for n in w.stranded]
        _echo_csv(["status", "loop", "products", "supporting", "needs", "inferred_steps", "steps"], rows)
        _finish(budget)
        return
    total = len(w.lost) + len(w.kept)
    if not total:
        click.echo(t("whatif_none", lang, spec=_describe_spec(spec, G, lang), p=_label(G, p, lang)))
    else:
        click.echo(t("whatif_loses", lang, p=_label(G, p, lang), lost=len(w.lost), total=total, kept=len(w.kept)))
    for title, group in (("lost", w.lost), ("kept", w.kept)):
        if group:
            click.echo(f"\n{t(title, lang)}{'：' if lang == 'zh' else ':'}")
            echo_table(["#", "loop", "needs", "inferred steps"],
                       [[str(i), _loop_arrow(G, x, lang), " ".join(x.needs), f"{x.inferred_steps}/{len(x.steps)}"]
                        for i, x in enumerate(group, 1)])
    if w.stranded:
        hub = _label(G, hub_of(G, spec), lang)
        click.echo("\n" + t("stranded", lang, hub=hub, products=_join([_label(G, n, lang) for n in w.stranded], lang)))
    _finish(budget)
