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
  `go.Figure` made from the stored spec without re-validation, so a caller can still add a
  subtitle or presentation sizes to it.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go

#: Results kept per frame (filter states, perspectives) and frames kept in all.
PER_FRAME: Final = 16
FRAMES: Final = 64
#: Figure specs kept (a spec is a few kB to ~200 kB for a map with flows).
FIGURES: Final = 256

_lock = threading.Lock()
# id(frame) -> (weak reference to it, OrderedDict of key -> result)
_frames: OrderedDict[int, tuple[weakref.ref, OrderedDict]] = OrderedDict()
# fingerprint -> the figure's spec, pickled: one bytes object, which the collector after every
# run (Streamlit's postScriptGC) does not walk, where a spec's nested dicts are hundreds of objects
_figures: OrderedDict[bytes, bytes] = OrderedDict()
_UNHASHABLE = object()


def _forget(frame_id: int, ref: weakref.ref) -> None:
    with _lock:
        entry = _frames.get(frame_id)
        if entry is not None and entry[0] is ref:
            del _frames[frame_id]


def _frame_results(frame) -> OrderedDict:
    """The result table of this live frame (made on first use); caller holds the lock."""
    key = id(frame)
    entry = _frames.get(key)
    if entry is not None and entry[0]() is frame:
        _frames.move_to_end(key)
        return entry[1]
    ref = weakref.ref(frame, lambda r, k=key: _forget(k, r))
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


def on_frame(fn: Callable | None = None, *, shared: bool = False) -> Callable:
    """Memoize `fn(frame, *args, **kwargs)` on the frame object and the other (hashable) arguments.

    `shared=True` returns the stored object itself, not a copy: for a result that later memos are
    keyed on (the filtered frame), which callers treat as read-only like the prepared frame it
    comes from.
    """
    if fn is None:
        return functools.partial(on_frame, shared=shared)
    own = (lambda v: v) if shared else _own

    @functools.wraps(fn)
    def wrapper(frame, *args, **kwargs):
        key = (fn.__qualname__, _hashable(args), _hashable(tuple(sorted(kwargs.items()))))
        if _has_unhashable(key):  # an array or another unhashable argument: no memo
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
            while len(results) > PER_FRAME:
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


def _fingerprint(name: str, args: tuple, kwargs: dict) -> bytes | None:
    try:
        data = pickle.dumps((name, args, sorted(kwargs.items())), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(data, digest_size=20).digest()


def _from_spec(spec: bytes) -> go.Figure:
    # No re-validation: the spec came out of a validated figure. Each call unpickles its own
    # copy, so changing the figure leaves the stored spec as it was.
    return go.Figure(pickle.loads(spec), _validate=False)  # noqa: S301 - bytes this module pickled itself


def figure(fn: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Memoize a figure builder on the content of its arguments; every call returns a new Figure."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = _fingerprint(fn.__qualname__, args, kwargs)
        if key is None:
            return fn(*args, **kwargs)
        with _lock:
            spec = _figures.get(key)
            if spec is not None:
                _figures.move_to_end(key)
        if spec is None:
            spec = pickle.dumps(fn(*args, **kwargs).to_dict(), protocol=5)
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
