"""Commands for working at scale: ``synth`` (synthetic maps) and ``cache`` (the parse cache)."""

from __future__ import annotations

import click

from ccare.commands.common import echo_csv, echo_json, echo_table, format_option, lang_option, output_option
from ccare.i18n import t

__all__ = ["synth", "cache_cmd"]


@click.command()
@click.option("--products", type=click.IntRange(min=0), default=100, show_default=True,
              help="Synthetic products to write.")
@click.option("--merchants", type=click.IntRange(min=0), default=0, show_default=True,
              help="Synthetic merchants (cc:Merchant) to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: the same options write the same bytes.")
@click.option("--degree", type=click.IntRange(min=0), default=5, show_default=True,
              help="User and data flows leaving each synthetic product.")
@click.option("-o", "--output", "output", default="-", show_default=True, metavar="FILE",
              help="Turtle file to write (written whole or not at all); - for standard output.")
def synth(products, merchants, seed, degree, output):
    """Write a synthetic extension of the map: products and merchants that conform to the rules.

    Every product is labelled in Chinese and English, defined, evidenced, and serves
    values, lives in domains and flows to other products through evidenced assertions;
    every merchant has an id, labels, a scale, a stage, an industry and products in use.
    For benchmarks and scale tests: the evidence quotes placeholders, not a real source.

    \b
    Examples:
      ccare synth --products 1000 --merchants 20000 --seed 1 -o big.ttl
      ccare --store oxigraph info --data big.ttl
    """
    from ccare.kb.synth import synth_turtle
    from ccare.rdfio.atomic import atomic_write

    with atomic_write(output, "w") as f:
        counts = synth_turtle(f, products=products, merchants=merchants, seed=seed, degree=degree)
    if output != "-":
        from ccare.commands.common import current_lang

        click.echo(t("synth_wrote", current_lang(), products=counts['products'], merchants=counts['merchants'],
                     assertions=counts['assertions'], output=output), err=True)


@click.command("cache")
@click.option("--clear", is_flag=True, help="Delete every entry of the parse cache.")
@lang_option
@output_option
@format_option("table", "json", "csv")
def cache_cmd(clear, lang, fmt):
    """Where the parse cache is, and what it holds; --clear empties it.

    The cache keeps the loaded map per set of input files (keyed by their bytes), so
    repeated runs skip parsing.  It is always safe to delete; CCARE_CACHE_DIR moves it,
    CCARE_NO_CACHE=1 or `ccare --no-cache` turns it off.
    """
    from ccare.kb import cache

    removed = cache.clear() if clear else None
    entries = cache.entries()
    if fmt == "json":
        d: dict = {"directory": str(cache.cache_dir()), "entries": entries}
        if removed is not None:
            d["removed"] = removed
        echo_json(d)
        return
    if fmt == "csv":  # one row per entry (after --clear: none)
        echo_csv(["key", "store", "bytes"], [[e["key"], e["store"], e["bytes"]] for e in entries])
        return
    if removed is not None:
        click.echo(t("cache_removed", lang, n=removed, dir=cache.cache_dir()))
        return
    click.echo(t("cache_directory", lang, dir=cache.cache_dir()))
    if not entries:
        click.echo(t("cache_empty", lang))
        return
    echo_table(["key", "store", "size"], [[e["key"][:16], _store(e["store"], lang), f"{e['bytes'] / 1e6:.1f} MB"]
                                          for e in entries])


def _store(kind: str, lang: str) -> str:
    """A cache entry's store (``oxigraph``, ``derived: networkx``) in ``lang``."""
    if lang == "zh" and kind.startswith("derived: "):
        return "派生：" + kind[len("derived: "):]
    return kind
