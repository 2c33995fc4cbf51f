"""Reading SPARQL as text, without a parser: the one lexer every layer uses.

emskg needs to know a few things about a query before (or instead of) running it — which form it
is, where its WHERE group opens, which variables and IRIs it names — and to bind parameters into
it. Each answer must ignore what comments, strings and IRIs contain (``"LOAD"`` or ``# SERVICE`` are
not keywords), so every scan here works on tokens of :data:`TOKENS`, never on the raw text.
Errors are :class:`~emskg.errors.QueryError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from ..errors import QueryError
from .terms import ResultTerm

__all__ = [
    "TOKENS", "SUBSET_TOKEN", "UPDATE_KEYWORDS", "Scan", "scan", "keywords_of", "words", "query_form",
    "bind_values", "bind_rows", "where_brace", "iris_named",
    "has_variable_predicate", "mixes_solutions", "projection",
]

#: SPARQL 1.1 terminals, each possessive (no backtracking), so no text makes a scan slower than linear:
#: a comment, a string (or a quote that opens none: ``badstring``), an IRI, a variable, a run of name
#: characters (keywords, prefixed names — split by :func:`keywords_of`), an opening or closing bracket.
TOKENS = re.compile(
    r'''(?P<comment>\#[^\n\r]*+)
      | (?P<string>"""(?:[^"\\]++|\\.|"(?!""))*+"""|\'\'\'(?:[^'\\]++|\\.|'(?!''))*+\'\'\'
                  |"(?:[^"\\\n\r]++|\\.)*+"|'(?:[^'\\\n\r]++|\\.)*+')
      | (?P<badstring>["'])
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*+>)
      | (?P<var>[?$]\w++)
      | (?P<word>[^\W\d][\w.-]*+(?::[\w.:%\\-]*+)?|:[\w.:%\\-]*+)
      | (?P<open>[{(\[])
      | (?P<close>[})\]])
    ''',
    re.X | re.S,
)
#: What braces and keywords inside do not count in: comments, strings, IRIs.
_SKIP = re.compile(
    r'''\#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>'''
)
_BRACES = re.compile(_SKIP.pattern + "|[{}]")  # a brace, or something whose braces do not count
#: The tokens of the SPARQL subset the SHACL engine evaluates itself (:mod:`emskg.shacl.sparql_subset`).
SUBSET_TOKEN = re.compile(
    r"""\s*(?:
      (?P<comment>\#[^\n]*)
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<var>[?$][A-Za-z_][\w]*)
    | (?P<literal>"|'|[+-]?\d)
    | (?P<op>\|\||&&|!=|\^\^|[{}().;,=!^@*])
    | (?P<pname>(?:[A-Za-z][\w.-]*)?:[\w.-]*)
    | (?P<word>[A-Za-z_][\w-]*)
    )""",
    re.X,
)
_QUERY_FORMS = frozenset(["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"])
#: SERVICE and the SPARQL Update keywords: a query naming one would fetch or write.
UPDATE_KEYWORDS = frozenset(["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"])
_SIDE_EFFECT_KEYWORDS = UPDATE_KEYWORDS | {"SERVICE"}


_BARE_SPLIT = re.compile(r"[.-]+")


def keywords_of(run: str) -> Iterator[str]:
    """The bare words (keywords, ``true``, function names) a ``word`` token holds, upper-cased.

    A run of name characters is read as SPARQL's terminals read it: a prefixed name is one token
    unless its local part starts with ``.`` (``x:.SERVICE`` is ``x:`` ``.`` ``SERVICE``); without a
    colon, ``.`` and ``-`` separate words (``true.SERVICE`` is ``true`` ``.`` ``SERVICE``).
    """
    while run:
        prefix, colon, local = run.partition(":")
        if not colon:
            yield from (w.upper() for w in _BARE_SPLIT.split(run) if w)
            return
        if prefix.endswith(".") or prefix.endswith("-"):  # not a PN_PREFIX: words, then ':local'
            yield from (w.upper() for w in _BARE_SPLIT.split(prefix) if w)
        if not local.startswith("."):
            return  # one prefixed name (trailing dots of the local part are punctuation)
        run = local.lstrip(".")


def words(query: str) -> Iterator[str]:
    """The bare words of a query (keywords and names, not prefixed names), upper-cased."""
    for m in TOKENS.finditer(query):
        if m.lastgroup == "word":
            yield from keywords_of(m.group(0))


@dataclass(frozen=True)
class Scan:
    """What one pass over a query text found."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE (the first one outside strings and comments)
    depth: int  # deepest nesting of { ( [
    keywords: frozenset[str]  # SERVICE and update keywords present as tokens


def scan(text: str, max_depth: int) -> Scan:
    """Tokenise ``text`` once, linear in its length. Raises :class:`QueryError` for an unterminated
    string or nesting deeper than ``max_depth`` (naming the line where the limit was crossed)."""
    form: str | None = None
    depth = deepest = 0
    found: set[str] = set()
    for m in TOKENS.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > max_depth:
                    line = text.count("\n", 0, m.start()) + 1
                    raise QueryError(f"query nests too deeply: more than {max_depth} levels of {{ ( [ "
                                     f"(line {line}); flatten it")
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            for word in keywords_of(m.group(0)):
                if word in _QUERY_FORMS:
                    form = form or word
                elif word in _SIDE_EFFECT_KEYWORDS:
                    found.add(word)
        elif kind == "badstring":
            line = text.count("\n", 0, m.start()) + 1
            raise QueryError(f"SPARQL syntax error: unterminated string starting on line {line}")
    return Scan(form, deepest, frozenset(found))


def query_form(query: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword outside comments and strings
    (None when there is none, or the text does not scan: the engine then reports the error)."""
    try:
        return scan(query, max_depth=1 << 30).form
    except QueryError:
        return None


# --- binding parameters -------------------------------------------------------------------------

def bind_values(query: str, bindings: Mapping[str, ResultTerm]) -> str:
    """Bind variables before evaluation, as SPARQL's pre-binding would.

    An IRI is written into the WHERE group in place of the variable wherever that is equivalent:
    the engine then plans around a constant. A ``VALUES`` block opening the WHERE group binds what
    is left: literals (a literal cannot stand as a subject), variables the group assigns, tests with
    ``BOUND`` or scopes differently (``AS``, ``BOUND``, ``VALUES``, sub-``SELECT``, ``MINUS``), and
    variables the rest of the query still names (the projection, ``ORDER BY``), so that the result
    keeps their column. Unlike SPARQL substitution, this binds variables that are not projected, so
    a named query's parameters need not appear as result columns. Raises ``QueryError`` when the
    query has no WHERE group, or never closes it.
    """
    if not bindings:
        return query
    return _bind(query, tuple(bindings.items()))


@lru_cache(maxsize=512)
def _bind(query: str, items: tuple[tuple[str, ResultTerm], ...]) -> str:
    """:func:`bind_values`, memoised: dashboards and the web page send the same bindings again and again."""
    bindings = dict(items)
    brace = where_brace(query)
    end = _closing_brace(query, brace)
    body = query[brace + 1:end]
    inline = {k: v for k, v in bindings.items() if isinstance(v, ox.NamedNode) and _can_inline(body, k)}
    if inline:
        body = TOKENS.sub(lambda m: str(inline[m.group("var")[1:]]) if m.group("var") and m.group("var")[1:] in inline
                          else m.group(0), body)
    outside = query[:brace] + query[end:]
    kept = {k: v for k, v in bindings.items() if k not in inline or _mentions(outside, k)}
    values = ""
    if kept:
        values = f" VALUES ({' '.join(f'?{k}' for k in kept)}) {{ ({' '.join(str(v) for v in kept.values())}) }}"
    return f"{query[:brace + 1]}{values}{body}{query[end:]}"


_SCOPING = frozenset(["SELECT", "MINUS"])


def _can_inline(body: str, name: str) -> bool:
    """Whether replacing ``?name`` by a constant throughout the WHERE group keeps the query's meaning.

    Not when the variable is assigned (``AS``, ``VALUES``) or tested (``BOUND``) anywhere, nor when
    it occurs inside a sub-``SELECT`` or a ``MINUS`` group: there it is another variable, or the
    constant would change what ``MINUS`` removes. A sub-select that does not mention it is no
    obstacle (the parameter of ``systems-lacking`` sits beside its sub-selects, and inlining it is
    what makes the engines use their indexes)."""
    previous = ""
    depth = 0
    scoped_below: list[int] = []  # depths whose group is a sub-select's or a MINUS's scope
    minus_next = False
    for m in TOKENS.finditer(body):
        word, var = m.group("word"), m.group("var")
        if m.group("open") == "{":
            depth += 1
            if minus_next:
                scoped_below.append(depth)
                minus_next = False
        elif m.group("close") == "}":
            while scoped_below and scoped_below[-1] >= depth:
                scoped_below.pop()
            depth -= 1
        if word and word.upper() == "SELECT":
            scoped_below.append(depth)
        elif word and word.upper() == "MINUS":
            minus_next = True
        if var and var[1:] == name and (scoped_below or previous in ("AS", "BOUND", "VALUES")):
            return False
        if word:
            previous = word.upper()
        elif var and previous == "VALUES":
            continue  # VALUES (?a ?b ...): the whole header counts as following VALUES
        elif m.group("iri") or m.group("string") or var:
            previous = ""
    return True


def _mentions(text: str, name: str) -> bool:
    return any(m.group("var") and m.group("var")[1:] == name for m in TOKENS.finditer(text))


def _closing_brace(query: str, brace: int) -> int:
    """Offset of the brace closing the group that opens at ``brace`` (outside comments, strings, IRIs)."""
    depth = 0
    pos = brace
    for m in _BRACES.finditer(query, brace):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
            if depth == 0:
                return m.start()
        pos = m.end()
    raise QueryError(f"the WHERE group opened at offset {brace} is never closed (after offset {pos})")


def bind_rows(query: str, name: str, values: Sequence[ResultTerm]) -> str:
    """Like :func:`bind_values` for one variable taking several values (one solution each)."""
    brace = where_brace(query)
    return f"{query[:brace + 1]} VALUES ?{name} {{ {' '.join(str(v) for v in values)} }}{query[brace + 1:]}"


def where_brace(query: str) -> int:
    """Offset of the brace opening the WHERE group, outside comments, strings and IRIs.

    Raises ``QueryError`` when there is none."""
    pos = 0
    while True:
        brace = query.find("{", pos)
        if brace < 0:
            raise QueryError("query has no WHERE clause to bind parameters in")
        skip = _SKIP.search(query, pos)
        if skip is None or skip.start() > brace:
            return brace
        pos = skip.end()


# --- what a query reads -------------------------------------------------------------------------

_IRI = re.compile(r"<([^<>\s]*)>")
_PNAME = re.compile(r"(?<![\w?$<:])([A-Za-z][\w-]*)?:([\w-]*)")
_PREFIX_DECL = re.compile(r"PREFIX\s+([\w-]*):\s*<([^<>]*)>", re.I)
_VARIABLE_PREDICATE = re.compile(r"[?$]\w+\s+[?$]\w+\s+(?:[?$]\w+|<|[\w-]*:|\"|\d)")
_MIXES_SOLUTIONS = re.compile(r"\b(GROUP|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b", re.I)
_PROJECTION = re.compile(r"SELECT\s+(DISTINCT\s+|REDUCED\s+)?(?P<vars>.*?)\s+WHERE", re.I | re.S)


def iris_named(text: str, prefixes: Mapping[str, str] | None = None) -> set[str]:
    """Every IRI a query names: written in full, or as a prefixed name whose prefix the query's
    ``PREFIX`` lines or ``prefixes`` declare. A superset of what it can read (``a`` is not included)."""
    declared = {**(prefixes or {}), **dict(_PREFIX_DECL.findall(text))}
    body = _PREFIX_DECL.sub("", text)
    iris = set(_IRI.findall(body))
    iris.update(declared[p] + local for p, local in _PNAME.findall(body) if p in declared)
    return iris


def has_variable_predicate(text: str) -> bool:
    """Whether a triple pattern has a variable predicate (the query can then read any predicate)."""
    return _VARIABLE_PREDICATE.search(text) is not None


def mixes_solutions(text: str) -> bool:
    """Whether the query groups, aggregates or slices solutions (so focus nodes cannot share one run)."""
    return _MIXES_SOLUTIONS.search(text) is not None or len(re.findall(r"\bSELECT\b", text, re.I)) != 1


def projection(text: str) -> str | None:
    """The text between ``SELECT [DISTINCT|REDUCED]`` and ``WHERE``, or None."""
    m = _PROJECTION.search(text)
    return m.group("vars") if m else None
