"""SHACL validation of a map against the shipped shapes, reported in plain words.

Two engines give the same report: ccare's own (:mod:`ccare.query.shacl_native`, the
default on Oxigraph, set-at-a-time: a million triples in seconds) and pySHACL (the
reference, and the fallback when the shapes use something ccare's engine does not check,
or the map is on rdflib's Memory store).  ``engine="pyshacl"`` (``ccare validate
--engine pyshacl``) asks for pySHACL.

Examples
--------
>>> from ccare.kb.model import load
>>> report = validate(load())
>>> report.conforms, len(report.violations)
(True, 0)
"""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from ccare import ontology
from ccare.kb.model import KnowledgeBase
from ccare.query.quotes import QUOTE_RULE, SOURCE_RULE, check_quotes
from ccare.rdfio.read import parse_text

__all__ = ["Violation", "Report", "PYSHACL_OPTIONS", "DEFAULT_TIMEOUT", "ENGINES", "shapes_graph", "validate"]

log = logging.getLogger(__name__)

#: SHACL engines: ``auto`` (ccare's own, else pySHACL), ``native`` (ccare's own only),
#: ``pyshacl`` (pySHACL only).
ENGINES = ("auto", "native", "pyshacl")

_IRI = re.compile(r"https?://[^\s<>\"{}|^`]+")


@dataclass(frozen=True)
class Violation:
    """One way the map breaks a rule: the node, the rule (shape name) and a message."""

    focus: str
    focus_label: str | None
    rule: str
    message: str
    path: str | None
    value: str | None
    severity: str
    #: a quote not on its line (:mod:`ccare.query.quotes`): the source file, the line it
    #: gives and the nearest line where the quote occurs (None: nowhere)
    file: str | None = None
    line: int | None = None
    nearest_line: int | None = None

    def to_json(self) -> dict:
        d: dict[str, Any] = {
            "focus": self.focus,
            "focus_label": self.focus_label,
            "rule": self.rule,
            "message": self.message,
            "path": self.path,
            "value": self.value,
            "severity": self.severity,
        }
        if self.file is not None:
            d.update(file=self.file, line=self.line, nearest_line=self.nearest_line)
        return d


@dataclass
class Report:
    """Whether the map conforms, its violations (SHACL's, then quotes not on their line
    and sources that cannot be read), and the sources whose quotes were checked
    (``sources``: :class:`~ccare.query.quotes.SourceCheck`; :attr:`warnings`: those not found)."""

    conforms: bool
    violations: list[Violation]
    sources: list = field(default_factory=list)
    #: the engine that checked the shapes: ``native`` or ``pyshacl``
    engine: str = "pyshacl"
    #: why ccare's own engine was not used (``engine="auto"`` fell back to pySHACL), else None
    fallback: str | None = None

    @property
    def warnings(self) -> list:
        """Sources cited by quotes that ccare could not find: their quotes were not checked."""
        return [s for s in self.sources if s.warning]

    def to_json(self) -> dict:
        return {"conforms": self.conforms, "violations": [v.to_json() for v in self.violations],
                "warnings": [{"source": s.source, "file": s.file, "status": s.status, "quotes": s.quotes,
                              "message": s.message()} for s in self.warnings],
                "sources": [s.to_json() for s in self.sources]}


def shapes_graph() -> Graph:
    """The shipped SHACL shapes as one graph."""
    g = Graph()
    files = ontology.shape_files()
    if not files:  # an empty glob must not validate nothing
        raise RuntimeError("no SHACL shape files found in ccare/ontology/shapes")
    for f in files:
        parse_text(g, f.read_bytes(), "turtle", name=f"ccare/ontology/shapes/{f.name}")
    return g


@functools.lru_cache(maxsize=1)
def _shipped_shapes() -> Graph:
    """The shipped shapes, parsed once a process: both engines read the same graph, so a
    result path that is a blank node of the shapes (``sh:alternativePath``) has one name."""
    return shapes_graph()


def _rule_name(shapes: Graph, shape, component) -> str:
    """The rule a result breaks: its shape's sh:name, else the shape's local name, else the
    constraint component's."""
    name = shapes.value(shape, SH.name) if shape is not None else None
    if name is not None:
        return str(name)
    if shape is not None and not isinstance(shape, Literal) and "#" in str(shape):
        return str(shape).rsplit("#", 1)[1]
    return str(component).rsplit("#", 1)[-1] if component is not None else "constraint"


#: How pyshacl runs: no inference, no SHACL advanced features (SPARQL targets, rules,
#: functions), no ``owl:imports`` followed, no JavaScript, the data graph left untouched.
PYSHACL_OPTIONS: dict[str, Any] = {
    "inference": "none",
    "advanced": False,
    "allow_warnings": False,
    "do_owl_imports": False,
    "js": False,
    "inplace": False,
}

#: Seconds ``ccare validate`` may run unless the user says otherwise (``--timeout``).
DEFAULT_TIMEOUT = 120.0


def validate(kb: KnowledgeBase, timeout: float | None = None, sources: Sequence[str | os.PathLike] = (),
             quotes: bool = True, engine: str = "auto") -> Report:
    """Validate the loaded map against the shipped shapes, and its quotes against their sources.

    ``engine`` (one of :data:`ENGINES`) chooses who checks the shapes: ``auto`` (default)
    runs ccare's own engine (:func:`ccare.query.shacl_native.validate_native`) and, when
    it cannot check these shapes or this store the way pySHACL does, pySHACL, saying why
    in :attr:`Report.fallback` and the ``ccare.query.shacl`` debug log; ``native`` raises a
    :class:`~ccare.errors.UsageError` instead; ``pyshacl`` runs pySHACL.  Both give the
    same report (``tests/test_shacl_engines.py``).  pySHACL runs with
    :data:`PYSHACL_OPTIONS`: it reads only the graph it is given.

    With ``quotes`` (default), every quote whose source names a file ccare can find is
    checked, verbatim on its line (:func:`ccare.query.quotes.check_quotes`); the file is
    looked for in the folder of each of the map's data files (``kb.sources``), then in the
    folders ``sources``, then among the shipped sources.  A quote off its line, or a source
    that cannot be read, is a violation; a source not found is a warning
    (:attr:`Report.warnings`).  With a ``timeout`` (seconds) it all runs in a child process
    that is stopped when the time is up or the memory limit is reached
    (:func:`ccare.query.sandbox.call_bounded`), raising :class:`~ccare.query.sandbox.CutShort`.
    """
    engine = _engine(engine)
    folders = _source_folders(kb, sources) if quotes else None
    if timeout is not None:
        from ccare.query.sandbox import call_bounded, memory_limit

        return call_bounded(lambda: _validate(kb, folders, engine), timeout=timeout, what="validation",
                            memory=memory_limit())
    return _validate(kb, folders, engine)


def _engine(engine) -> str:
    from ccare.errors import UsageError

    name = str(engine or "auto").strip().lower()
    if name not in ENGINES:
        raise UsageError(f"unknown SHACL engine {engine!r} (allowed: {', '.join(ENGINES)})")
    return name


def _source_folders(kb: KnowledgeBase, sources) -> list[str]:
    """The folders a source file is looked for in: the data files', then ``sources``
    (each must be a folder: a usage error otherwise), each once."""
    from ccare.errors import UsageError

    extra = []
    for d in [sources] if isinstance(sources, (str, os.PathLike)) else sources:
        if not os.path.isdir(d):
            raise UsageError(f"--sources {d}: not a folder")
        extra.append(str(d))
    data = [os.path.dirname(os.path.abspath(f)) for f in kb.sources]
    return list(dict.fromkeys([*data, *extra]))


class _Counted(Graph):
    """The data graph, over the same store, with its size counted once.

    pyshacl tests the data graph's truth (``datagraph or shapes``) for every result it
    makes, sh:or branches that fail included, and a graph's truth is its length, which
    Oxigraph counts quad by quad: 4 ms a time at 100,000 triples, quadratic over a large
    map.  Validation never writes to the graph (see :data:`PYSHACL_OPTIONS`).
    """

    def __init__(self, graph: Graph):
        super().__init__(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)
        self._size: int | None = None

    def __len__(self) -> int:
        if self._size is None:
            self._size = super().__len__()
        return self._size


def _run_pyshacl(graph: Graph, shapes: Graph) -> tuple[bool, list]:
    """pySHACL's verdict and results (:class:`~ccare.query.shacl_native.Result`)."""
    import pyshacl  # heavy; only the validate command needs it

    from ccare.query.shacl_native import Result

    conforms, results, _text = pyshacl.validate(_Counted(graph), shacl_graph=shapes, **PYSHACL_OPTIONS)
    if not isinstance(results, Graph):  # pyshacl could not run the shapes at all
        raise RuntimeError(f"SHACL validation failed to run: {_text.strip()}")
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        out.append(Result(focus=results.value(r, SH.focusNode), shape=results.value(r, SH.sourceShape),
                          component=results.value(r, SH.sourceConstraintComponent),
                          message=results.value(r, SH.resultMessage), path=results.value(r, SH.resultPath),
                          value=results.value(r, SH.value), severity=results.value(r, SH.resultSeverity)))
    return bool(conforms), out


def _check_shapes(kb: KnowledgeBase, engine: str, shapes: Graph) -> tuple[bool, list, str, str | None]:
    """The verdict and results of ``engine`` (``auto``: ccare's own, else pySHACL), the
    engine that ran, and why ccare's own did not."""
    fallback = None
    if engine != "pyshacl":
        from ccare.query.shacl_native import UnsupportedShapes, validate_native

        try:
            conforms, results = validate_native(kb.graph, shapes)
            return conforms, results, "native", None
        except UnsupportedShapes as e:
            if engine == "native":
                from ccare.errors import UsageError

                raise UsageError(f"ccare's SHACL engine cannot check this map as pySHACL does: {e} "
                                 "(use --engine pyshacl or auto)") from None
            fallback = str(e)
            log.debug("SHACL: pySHACL runs instead of ccare's engine: %s", fallback)
    conforms, results = _run_pyshacl(kb.graph, shapes)
    return conforms, results, "pyshacl", fallback


def _validate(kb: KnowledgeBase, folders: list[str] | None = None, engine: str = "auto") -> Report:
    shapes = _shipped_shapes()
    conforms, results, used, fallback = _check_shapes(kb, engine, shapes)

    def short(text: str) -> str:  # IRIs substituted into messages, as readable ids
        return _IRI.sub(lambda m: kb.node_id(URIRef(m.group(0))), text)

    labels_of: dict = {}

    def label(focus):
        if focus not in labels_of:
            labels = {(lit.language or ""): str(lit) for lit in kb.graph.objects(focus, RDFS.label)
                      if isinstance(lit, Literal)}
            labels_of[focus] = labels.get("en") or labels.get("zh") or next(iter(labels.values()), None)
        return labels_of[focus]

    violations = []
    for r in results:
        focus, msg, path, value, sev = r.focus, r.message, r.path, r.value, r.severity
        violations.append(
            Violation(
                focus=kb.node_id(focus) if focus is not None else "",
                focus_label=label(focus) if focus is not None else None,
                rule=_rule_name(shapes, r.shape, r.component),
                message=short(str(msg)) if msg is not None else "",
                path=kb.node_id(path) if path is not None and not isinstance(path, Literal) else None,
                value=kb.node_id(value)
                if value is not None and not isinstance(value, Literal)
                else (str(value) if value is not None else None),
                severity=str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation",
            )
        )
    # the order is total, so that both engines give the same list (pySHACL's own is arbitrary)
    violations.sort(key=lambda v: (v.focus, v.rule, v.message, v.path or "", v.value or "", v.severity))
    if folders is None:
        return Report(conforms=bool(conforms), violations=violations, engine=used, fallback=fallback)
    checked = check_quotes(kb, folders)
    for p in checked.problems:
        violations.append(Violation(focus=p.owner, focus_label=p.owner_label, rule=QUOTE_RULE, message=p.message(),
                                    path="cc:quote", value=p.quote, severity="Violation", file=p.file, line=p.line,
                                    nearest_line=p.nearest))
    for s in checked.sources:
        if s.status == "unreadable":
            violations.append(Violation(focus=s.source, focus_label=None, rule=SOURCE_RULE, message=s.message(),
                                        path="cc:file", value=s.file, severity="Violation", file=s.file))
    return Report(conforms=bool(conforms) and checked.ok, violations=violations, sources=checked.sources,
                  engine=used, fallback=fallback)
