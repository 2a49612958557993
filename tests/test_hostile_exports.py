"""Regression tests of the exports against the hostile corpus: data text stays text, and an
interrupted or failing write leaves the previous file whole."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, Literal

from ccare.ontology import ID
from ccare.rdfio import atomic as atomicio

MARKUP = Path(__file__).resolve().parent / "data" / "hostile" / "markup-label.ttl"
LABEL_EN = "<script>alert('x')</script><b>bold</b>"
LABEL_ZH = "\u202eevil\u202c \u200fمنتج\u200f \x1b[31mred\x1b[0m\x07"


def test_hostile_labels_stay_text_in_the_html_map(ccare, tmp_path):
    plain, hostile = tmp_path / "plain.html", tmp_path / "hostile.html"
    assert ccare("export", "html", "-o", str(plain)).exit_code == 0
    r = ccare("export", "html", "-o", str(hostile), "--data", str(MARKUP))
    assert r.exit_code == 0, r.output
    page = hostile.read_text(encoding="utf-8")
    assert "markup-product" in page
    assert "<script>alert(" not in page and "<b>bold</b>" not in page
    assert "\x1b" not in page and "\x07" not in page
    assert page.count("<script") == plain.read_text(encoding="utf-8").count("<script")


def test_hostile_labels_round_trip_through_turtle(ccare, tmp_path):
    out = tmp_path / "map.ttl"
    assert ccare("export", "ttl", "-o", str(out), "--data", str(MARKUP)).exit_code == 0
    labels = set(Graph().parse(out, format="turtle").objects(ID["markup-product"], RDFS.label))
    assert labels == {Literal(LABEL_EN, lang="en"), Literal(LABEL_ZH, lang="zh")}


@pytest.mark.parametrize("kind", ["ttl", "html"])
@pytest.mark.parametrize("exc,code,stderr", [
    (KeyboardInterrupt(), 130, "Interrupted.\n"),
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), 1, None),
])
def test_interrupted_export_keeps_the_previous_file(ccare, tmp_path, monkeypatch, kind, exc, code, stderr):
    out = tmp_path / f"map.{kind}"
    out.write_bytes(b"previous export\n")

    def fail(fd):  # the bytes are written; the disk fills or Ctrl-C comes before they are safe
        raise exc

    monkeypatch.setattr(atomicio.os, "fsync", fail)
    r = ccare("export", kind, "-o", str(out))
    assert r.exit_code == code
    if stderr is not None:
        assert r.stderr == stderr
    else:
        assert "Traceback" not in r.output and "No space left on device" in r.stderr
    assert out.read_bytes() == b"previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
