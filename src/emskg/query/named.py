"""Named queries: the ``.rq`` files of ``queries/``, their headers, and their parameters.

A named query is a SPARQL file whose leading comment block documents it::

    # title: Tools that support a component for an outcome
    # description: Which management tools support ... (section 5.2)
    # param: component ems:Component = Check -- the plan/do/check/act component
    # param: outcome ems:ManagementOutcome = Financials -- a management outcome
    # param: initiative ems:ManagementInitiative+ -- one or more initiatives
    # dataset: registry

``# dataset: registry`` marks a query that reads registered declarations (the sector queries): on a
store it runs over the store's own dataset (:meth:`emskg.stores.Store.query`); every other named
query runs over the knowledge-graph closure (:meth:`emskg.stores.Store.kb_query`).

A parameter's type is a class (the value must name an instance of it), ``literal``, an XSD
datatype, or ``iri`` (any IRI: a CURIE — ``emsh:`` shapes included — a full IRI, or the label of a
term of the graph). People pass what they know — a label ("Financials"), an alternative label ("GASB-34"), a
local name ("QualServe"), a CURIE ("kb:QualServe") or a full IRI — and it is resolved against the
graph, restricted to the class. A single-valued parameter is bound with SPARQL substitution (an
absent optional one stays unbound: "any"). A ``+`` parameter takes a comma-separated list and fills
the query's ``VALUES ?name {}`` slot.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from ..core.paths import data_paths
from ..core.terms import curie
from ..core.vocab import EMSH, PREFIXES, RDF_TYPE, RDFS_LABEL, SKOS_ALT_LABEL, xsd
from ..errors import ParameterError, QueryError, UnknownQueryError
from ..stores.base import Store
from ..stores.embedded import EmbeddedStore
from .sparql import QueryResult, run_sparql

__all__ = ["Param", "NamedQuery", "list_queries", "get_query", "lookup", "run_named_query", "run_named", "TermResolver",
           "load_queries"]

_HEADER = re.compile(r"^#\s*(title|description|param|example|dataset)\s*:\s*(.*)$", re.I)
#: The datasets a named query can read: the knowledge-graph closure, or the registry (sector queries).
DATASETS = ("kb", "registry")
#: CURIE prefixes a parameter value may use: the query prefixes and the shapes' (rules of sector queries).
_PARAM_PREFIXES = {**PREFIXES, "emsh": EMSH}
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>\S+?)(?P<many>\+)?"
    r"(?:\s*=\s*(?P<default>[^-]+?|\S.*?))?\s*(?:--\s*(?P<doc>.*))?$"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$")

LABELS = (RDFS_LABEL, SKOS_ALT_LABEL)


@dataclass(frozen=True)
class Param:
    """One documented parameter of a named query."""

    name: str
    type: str  # a CURIE of a class, "literal", "iri", or an xsd: datatype
    default: str | None = None
    description: str = ""
    many: bool = False

    @property
    def is_class(self) -> bool:
        return self.type not in ("literal", "iri") and not self.type.startswith("xsd:")

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "type": self.type, "default": self.default, "description": self.description,
                "multiple": self.many}


@dataclass(frozen=True)
class NamedQuery:
    """A ``.rq`` file with its parsed header."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path
    examples: tuple[str, ...] = field(default=())
    #: ``kb`` (the knowledge-graph closure) or ``registry`` (registrations: the store's own dataset).
    dataset: str = "kb"

    @property
    def reads_registry(self) -> bool:
        return self.dataset == "registry"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [p.to_json() for p in self.params], "dataset": self.dataset}


def _parse(path: Path, name: str) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = defaultdict(list)
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if m:
            fields[m.group(1).lower()].append(m.group(2).strip())
        elif fields.get("description") and line.startswith("#  "):
            fields["description"][-1] += " " + line[1:].strip()  # continuation line
    params = []
    for spec in fields.get("param", []):
        pm = _PARAM.match(spec)
        if not pm:
            raise QueryError(f"{path}: bad '# param:' line: {spec!r}")
        params.append(Param(pm["name"], pm["type"], (pm["default"] or "").strip() or None, (pm["doc"] or "").strip(),
                            bool(pm["many"])))
    for p in params:
        if p.many and f"VALUES ?{p.name} {{}}" not in text:
            raise QueryError(f"{path}: list parameter {p.name!r} needs a 'VALUES ?{p.name} {{}}' slot")
    title = (fields.get("title") or [name])[0]
    dataset = (fields.get("dataset") or ["kb"])[0].lower()
    if dataset not in DATASETS:
        raise QueryError(f"{path}: '# dataset:' is kb or registry, not {dataset!r}")
    return NamedQuery(name, title, " ".join(fields.get("description", [])), tuple(params), text, path,
                      tuple(fields.get("example", [])), dataset)


def load_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query under ``folder`` (``qc/`` ones are named ``qc/<name>``).

    Raises ``QueryError`` for a file whose ``# param:`` header is malformed."""
    folder = folder or data_paths().queries
    out: dict[str, NamedQuery] = {}
    for f in sorted(folder.rglob("*.rq")):
        name = f.relative_to(folder).with_suffix("").as_posix()
        if _NAME.match(name):
            out[name] = _parse(f, name)
    return out


@cache
def _default_queries() -> dict[str, NamedQuery]:
    return load_queries()


def list_queries(include_qc: bool = False) -> list[NamedQuery]:
    return [q for n, q in _default_queries().items() if include_qc or not n.startswith("qc/")]


def get_query(name: str) -> NamedQuery:
    """One named query; reads just its file when it exists (cold start), else explains.

    Raises ``UnknownQueryError`` (with the closest names as a hint) when there is none."""
    name = name.removesuffix(".rq")
    if _NAME.match(name):
        path = data_paths().queries / f"{name}.rq"
        if path.is_file():
            return _parse(path, name)
    return lookup(_default_queries(), name, "emskg queries lists them")


def lookup(queries: Mapping[str, NamedQuery], name: str, listing: str) -> NamedQuery:
    """``queries[name]``, or an error naming the closest names (``listing``: where to see them all)."""
    q = queries.get(name) or queries.get(name.removesuffix(".rq"))
    if q is None:
        import difflib  # only on this error path: keeps start-up lean

        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else f" ({listing})"
        raise UnknownQueryError(f"no named query {name!r}{hint}")
    return q


# --- parameter values ------------------------------------------------------------------------

def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2010-\u2015\-_/]", " ", text)
    return " ".join(text.split())


class TermResolver:
    """Resolves what a person typed to a term of the graph (labels, local names, CURIEs, IRIs)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._index: dict[ox.NamedNode | None, dict[str, set[ox.NamedNode]]] = {}

    def _names(self, cls: ox.NamedNode | None = None) -> dict[str, set[ox.NamedNode]]:
        """Normalised label / alternative label / local name -> terms, for instances of ``cls``
        (all typed terms when None). Per class, so resolving a parameter touches a few dozen terms."""
        index = self._index.get(cls)
        if index is None:
            index = defaultdict(set)
            for q in self.store.quads_for_pattern(None, RDF_TYPE, cls, ox.DefaultGraph()):
                s = q.subject
                if not isinstance(s, ox.NamedNode) or (cls is None and s in index.get("", ())):
                    continue
                local = re.split(r"[#/]", s.value)[-1]
                if local:
                    index[_norm(local)].add(s)
                for pred in LABELS:
                    for lq in self.store.quads_for_pattern(s, pred, None, ox.DefaultGraph()):
                        if isinstance(lq.object, ox.Literal):
                            index[_norm(lq.object.value)].add(s)
            self._index[cls] = index
        return index

    def expand(self, value: str) -> ox.NamedNode | None:
        """A full IRI for ``<iri>``, ``http(s)://...`` or a known CURIE; else None.

        Raises :class:`ParameterError` for IRI-shaped text that is not a valid IRI."""
        v = value.strip()
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        if re.match(r"^(https?|urn|file):", v):
            return _iri(v, value)
        prefix, sep, local = v.partition(":")
        if sep and prefix in _PARAM_PREFIXES and " " not in local:
            return _iri(_PARAM_PREFIXES[prefix] + local, value)
        return None

    def is_a(self, term: ox.NamedNode, cls: ox.NamedNode) -> bool:
        return any(True for _ in self.store.quads_for_pattern(term, RDF_TYPE, cls, ox.DefaultGraph()))

    def resolve(self, value: str, cls: ox.NamedNode | None, what: str) -> ox.NamedNode:
        """The term ``value`` names, among the instances of ``cls`` (any typed term when None).

        Raises ``ParameterError`` when it names nothing, several things, or something of another class."""
        iri = self.expand(value)
        if iri is not None:
            if cls is not None and not self.is_a(iri, cls):
                raise ParameterError(f"{what}: {value!r} is not a {_curie(cls)} in the knowledge graph")
            return iri
        names = self._names(cls)
        found = names.get(_norm(value), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            options = ", ".join(sorted(_curie(t) for t in found))
            raise ParameterError(f"{what}: {value!r} is ambiguous ({options}); pass one of these instead")
        import difflib

        close = difflib.get_close_matches(_norm(value), list(names), n=3, cutoff=0.6)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        kind = _curie(cls) if cls is not None else "term"
        raise ParameterError(f"{what}: no {kind} named {value!r} in the knowledge graph{hint}")


def _iri(text: str, given: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)
    except ValueError:
        shown = given if len(given) <= 80 else given[:77] + "..."
        raise ParameterError(f"{shown!r} is not a valid IRI") from None


def _curie(t: ox.NamedNode) -> str:
    return curie(t.value) or f"<{t.value}>"


def _literal(value: str, type_: str) -> ox.Literal:
    if type_ == "literal":
        return ox.Literal(value)
    datatype = xsd(type_.removeprefix("xsd:"))
    lit = ox.Literal(value, datatype=datatype)
    if type_ in ("xsd:integer", "xsd:decimal") and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value.strip()):
        raise ParameterError(f"{value!r} is not a valid {type_}")
    return lit


def bind_params(
    query: NamedQuery, given: Mapping[str, str], resolver: TermResolver
) -> tuple[str, dict[str, ox.NamedNode | ox.Literal]]:
    """The query text with list slots filled, and the substitutions for single-valued params.

    Raises ``ParameterError`` for an unknown or missing parameter or a value that resolves to nothing."""
    unknown = sorted(set(given) - {p.name for p in query.params})
    if unknown:
        names = ", ".join(p.name for p in query.params) or "none"
        raise ParameterError(f"query {query.name!r} has no parameter {unknown[0]!r} (parameters: {names})")
    text = query.text
    subs: dict[str, ox.NamedNode | ox.Literal] = {}
    for p in query.params:
        raw = given.get(p.name, p.default)
        if raw is None or raw.strip() == "":
            if p.many:
                raise ParameterError(f"query {query.name!r} needs --param {p.name}=VALUE[,VALUE...]")
            continue
        what = f"parameter {p.name}"
        cls = resolver.expand(p.type) if p.is_class else None
        values = [v.strip() for v in raw.split(",") if v.strip()] if p.many else [raw]
        terms: list[ox.NamedNode | ox.Literal] = [
            resolver.resolve(v, cls, what) if p.is_class
            else (resolver.expand(v) or resolver.resolve(v, None, what)) if p.type == "iri"
            else _literal(v, p.type) for v in values
        ]
        if p.many:
            text = text.replace(f"VALUES ?{p.name} {{}}", f"VALUES ?{p.name} {{ {' '.join(str(t) for t in terms)} }}", 1)
        else:
            subs[p.name] = terms[0]
    return text, subs


def run_named_query(store: ox.Store | Store, name: str, params: Mapping[str, str] | None = None, *,
                    resolver: TermResolver | None = None, max_rows: int | None = None,
                    timeout: float | None = None) -> QueryResult:
    """Run a named query with parameters given as people type them, on a pyoxigraph store or an
    emskg store (KB queries over its knowledge-graph closure, ``# dataset: registry`` ones over its
    own dataset). ``resolver`` resolves parameter values (default: against ``store`` itself, which
    must then be a pyoxigraph or embedded store; pass one over the local graph for a remote store).

    Raises ``UnknownQueryError``, ``ParameterError``, ``QueryError`` when the query fails, and
    ``StoreUnavailableError`` when the store cannot be reached."""
    query = get_query(name)
    return run_named(store, query, params, resolver=resolver, max_rows=max_rows, timeout=timeout)


def run_named(store: ox.Store | Store, query: NamedQuery, params: Mapping[str, str] | None = None, *,
              resolver: TermResolver | None = None, max_rows: int | None = None,
              timeout: float | None = None) -> QueryResult:
    """:func:`run_named_query` for a query already looked up (a server's catalog)."""
    if resolver is None:
        if isinstance(store, EmbeddedStore):
            resolver = TermResolver(store.current())
        elif isinstance(store, ox.Store):
            resolver = TermResolver(store)
        else:
            raise ParameterError("a remote store needs a resolver over the local knowledge graph")
    text, subs = bind_params(query, params or {}, resolver)
    return run_sparql(store, text, substitutions=subs, max_rows=max_rows, trusted=True,
                      kb=not query.reads_registry, timeout=timeout)
