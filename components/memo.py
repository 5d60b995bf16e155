"""Memos for the work a rerun repeats with the same inputs. Pure: no streamlit.

A rerun with unchanged filters used to redo every aggregation and rebuild every plotly figure
(most of a page's CPU). Two memos, both bounded and both safe to share between sessions:

- `on_frame`: results of a function of a DataFrame, keyed on that frame *object* (its id,
  guarded by a weak reference, dropped when the frame dies) and the other arguments. The
  bundled data's prepared and filtered frames are the same objects on every rerun, so their
  aggregations are computed once per filter state. A session's own upload is a frame only that
  session holds: no other session can present the same object, so nothing leaks. A frame or
  series comes back as a shallow copy (pandas 3 copies on write), so a caller that adds or
  changes a column changes only its own copy; other results are immutable values.
- `figure`: a figure builder's output, keyed on the *content* of its arguments (a pickle of
  them, hashed): equal inputs, equal figure, whoever asks. Each call gets its own
  `go.Figure` made from the stored spec (plotly's JSON) without re-validation, so a caller can
  still add a subtitle or presentation sizes to it. Its arrays are plain lists then.
- `on_content`: like `on_frame` for functions of a few small frames that are new objects on
  every rerun (the Timeline's chosen cases), keyed on their content.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

#: Results kept per frame (filter states, perspectives) and frames kept in all; results as large as
#: their frame (a filtered copy) at most BIG_KEEP per frame and only for frames up to BIG_ROWS rows,
#: so the bundled data's (~1 MB a copy) take at most FRAMES x BIG_KEEP MB.
PER_FRAME: Final = 16
FRAMES: Final = 32
BIG_KEEP: Final = 8
BIG_ROWS: Final = 50_000
#: Figure specs kept (a spec is a few kB to ~200 kB for a map with flows); a larger one is not kept.
FIGURES: Final = 256
FIGURE_CHARS: Final = 1_000_000

# re-entrant: a frame can die (and its weakref callback take the lock) while this thread holds it
_lock = threading.RLock()
# id(frame) -> (weak reference to it, OrderedDict of key -> result)
_frames: OrderedDict[int, tuple[weakref.ref, OrderedDict]] = OrderedDict()
# fingerprint -> the figure's spec as plotly's JSON: one string, which the collector after every
# run (Streamlit's postScriptGC) does not walk, where a spec's nested dicts are hundreds of objects
_figures: OrderedDict[bytes, str] = OrderedDict()
_content: OrderedDict[tuple, Any] = OrderedDict()
CONTENT: Final = 64
_UNHASHABLE = object()
_MISSING = object()


def _forget(frame_id: int, ref: weakref.ref, lock=_lock, frames=_frames) -> None:
    # lock and table bound as defaults: a frame that dies at interpreter exit may outlive the module's globals
    with lock:
        entry = frames.get(frame_id)
        if entry is not None and entry[0] is ref:
            del frames[frame_id]


def _frame_results(frame) -> OrderedDict:
    """The result table of this live frame (made on first use); caller holds the lock."""
    key = id(frame)
    entry = _frames.get(key)
    if entry is not None and entry[0]() is frame:
        _frames.move_to_end(key)
        return entry[1]
    ref = weakref.ref(frame, functools.partial(_forget, key))
    results: OrderedDict = OrderedDict()
    _frames[key] = (ref, results)
    while len(_frames) > FRAMES:
        _frames.popitem(last=False)
    return results


class _Same:
    """A frame among the other arguments (the bundle's events), as a key: equal only to the same live object."""

    __slots__ = ("_id", "_ref")

    def __init__(self, obj: Any) -> None:
        self._id, self._ref = id(obj), weakref.ref(obj)

    def __hash__(self) -> int:
        return self._id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Same) or other._id != self._id:
            return False
        mine = self._ref()
        return mine is not None and mine is other._ref()


def _hashable(value: Any) -> Any:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return _Same(value)
    if isinstance(value, tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, list):
        return ("__list__", *(_hashable(v) for v in value))
    if isinstance(value, dict):
        return ("__dict__", *((k, _hashable(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return _UNHASHABLE
    return value


def _own(value: Any) -> Any:
    """The caller's own view of a stored result: changing it leaves the stored one as it was."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, (list, dict, set)):
        return copy.deepcopy(value)
    return value


def on_frame(
    fn: Callable | None = None, *, shared: bool = False, keep: int | None = None, max_rows: int | None = None
) -> Callable:
    """Memoize `fn(frame, *args, **kwargs)` on the frame object and the other (hashable) arguments.

    `shared=True` returns the stored object itself, not a copy: for a result that later memos are
    keyed on (the filtered frame), which callers treat as read-only like the prepared frame it
    comes from. A result as large as its frame is bounded twice: `keep` results per frame, and no
    memo at all for a frame of more than `max_rows` rows (a large upload: one copy per filter
    state would cost more memory than the rerun it saves).
    """
    if fn is None:
        return functools.partial(on_frame, shared=shared, keep=keep, max_rows=max_rows)
    own = (lambda v: v) if shared else _own

    @functools.wraps(fn)
    def wrapper(frame, *args, **kwargs):
        key = (fn.__qualname__, _hashable(args), _hashable(tuple(sorted(kwargs.items()))))
        if _has_unhashable(key) or (max_rows is not None and len(frame) > max_rows):
            return fn(frame, *args, **kwargs)
        try:
            with _lock:
                results = _frame_results(frame)
                if key in results:
                    results.move_to_end(key)
                    return own(results[key])
        except TypeError:  # not weak-referenceable: no memo
            return fn(frame, *args, **kwargs)
        value = fn(frame, *args, **kwargs)
        with _lock:
            results = _frame_results(frame)
            results[key] = value
            while len(results) > (PER_FRAME if keep is None else keep):
                results.popitem(last=False)
        return own(value)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


def _has_unhashable(key: Any) -> bool:
    if key is _UNHASHABLE:
        return True
    if isinstance(key, tuple):
        return any(_has_unhashable(k) for k in key)
    return False


#: on_content fingerprints frames up to this many rows (~0.3 ms for 50 rows x 40 columns); a
#: larger one would cost about what it saves, so it is keyed on the object.
CONTENT_ROWS: Final = 500


def on_content(fn: Callable) -> Callable:
    """Memoize a function of small frames on their content (results as `on_frame`'s).

    A frame of more than CONTENT_ROWS rows among the arguments (the bundle's events) is keyed
    on the object instead, as `on_frame` does.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        same: list[_Same] = []

        def token(value: Any) -> Any:
            if isinstance(value, (pd.DataFrame, pd.Series)) and len(value) > CONTENT_ROWS:
                same.append(_Same(value))
                return ("__same__", len(same))
            return value

        digest = _fingerprint(fn.__qualname__, tuple(map(token, args)), {k: token(v) for k, v in kwargs.items()})
        if digest is None:
            return fn(*args, **kwargs)
        key = (digest, *same)
        with _lock:
            found = _content.get(key, _MISSING)
            if found is not _MISSING:
                _content.move_to_end(key)
                return _own(found)
        value = fn(*args, **kwargs)
        with _lock:
            _content[key] = value
            while len(_content) > CONTENT:
                _content.popitem(last=False)
        return _own(value)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


def _fingerprint(name: str, args: tuple, kwargs: dict) -> bytes | None:
    try:
        data = pickle.dumps((name, args, sorted(kwargs.items())), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(data, digest_size=20).digest()


class SpecFigure(go.Figure):
    """A figure made from a stored spec whose plotly objects are built only when something asks for them.

    Building a go.Figure from a spec walks every trace and layout key (about 2 ms a chart, on every chart of
    every rerun), yet showing a chart needs only the spec: `spec_of` hands it over unbuilt. Anything else (a
    test reading fig.layout, an image export, a page changing the figure) builds it on first access, through
    the attribute plotly's code fails to find, and from then on it is an ordinary go.Figure.
    """

    def __init__(self, spec: dict) -> None:  # go.Figure.__init__ is deferred to the first access
        object.__setattr__(self, "_atlas_spec", spec)
        object.__setattr__(self, "_atlas_state", 0)  # 0: not built, 1: building, 2: built

    def __getattr__(self, name: str):
        # reached only for an attribute not found: one of plotly's internals, made by building the figure
        if name.startswith("_atlas") or object.__getattribute__(self, "_atlas_state") != 0:
            raise AttributeError(name)
        object.__setattr__(self, "_atlas_state", 1)
        go.Figure.__init__(self, object.__getattribute__(self, "_atlas_spec"), _validate=False)
        object.__setattr__(self, "_atlas_state", 2)
        return object.__getattribute__(self, name)


def spec_of(fig: go.Figure) -> dict:
    """The figure as plotly's dict, for the caller to change: an unbuilt SpecFigure's own spec (the figure,
    if built later, is built from the changed spec), else a copy, as go.Figure.to_dict() gives."""
    if isinstance(fig, SpecFigure) and object.__getattribute__(fig, "_atlas_state") == 0:
        return object.__getattribute__(fig, "_atlas_spec")
    return fig.to_dict()


def _from_spec(spec: str) -> go.Figure:
    # No re-validation: the spec came out of a validated figure. Made from its JSON, the figure
    # holds plain lists and strings (dates and text already as plotly writes them, numbers
    # already base64), so st.plotly_chart's to_json redoes little and sends the same JSON.
    # Each call parses its own copy.
    return SpecFigure(json.loads(spec))


def figure(fn: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Memoize a figure builder on the content of its arguments; every call returns a new Figure."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        rows = sum(len(a) for a in (*args, *kwargs.values()) if isinstance(a, (pd.DataFrame, pd.Series)))
        key = _fingerprint(fn.__qualname__, args, kwargs) if rows <= BIG_ROWS else None
        if key is None:  # unpicklable, or a figure of a large upload's rows: built each time, not kept
            return fn(*args, **kwargs)
        with _lock:
            spec = _figures.get(key)
            if spec is not None:
                _figures.move_to_end(key)
        if spec is None:
            spec = pio.to_json(fn(*args, **kwargs), validate=False)
            if len(spec) > FIGURE_CHARS:
                return _from_spec(spec)
            with _lock:
                _figures[key] = spec
                while len(_figures) > FIGURES:
                    _figures.popitem(last=False)
        # the first call returns a figure made the same way as later ones, so every rerun sends the same spec
        return _from_spec(spec)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


def clear() -> None:
    """Forget everything (tests)."""
    with _lock:
        _frames.clear()
        _figures.clear()
        _content.clear()
