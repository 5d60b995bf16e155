"""Chart images for download, always in the light theme. Pure: no streamlit.

The plotly camera button exports what the browser drew, and in the dark theme Streamlit draws
charts dark. This renders the figure as built on the server (the atlas template on plotly_white,
white paper, dark text) with kaleido, which drives the machine's own Chromium: no download, no
network. The map's boundaries come from the app's own static files (`topojson_url`).
"""

from __future__ import annotations

import shutil
import time
from typing import Final

import plotly.graph_objects as go
import plotly.io as pio

from components import figures

FORMATS: Final = ("png", "svg")
LIGHT_TEXT: Final = "#31333f"  # Streamlit's light-theme text colour
#: Browsers kaleido can drive, by the names Debian and other systems install them under.
_BROWSERS: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def available() -> bool:
    """kaleido is installed and a Chromium it can drive is on this machine."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return any(shutil.which(name) for name in _BROWSERS)


def light_figure(fig: go.Figure) -> go.Figure:
    """A copy of `fig` in the light theme: plotly_white under the atlas template, white paper, dark text."""
    out = go.Figure(fig)
    out.layout.template = f"plotly_white+{figures.TEMPLATE_NAME}"
    out.layout.paper_bgcolor = "white"
    out.layout.plot_bgcolor = "white"
    out.layout.font.color = LIGHT_TEXT
    for ann in out.layout.annotations or ():
        if ann.font is not None and ann.font.color is None:
            ann.font.color = LIGHT_TEXT
    return out


def image_bytes(fig: go.Figure, fmt: str, height: int | None, topojson_url: str | None = None) -> bytes:
    """The chart as PNG or SVG, light, at the size of the camera button's export (nothing squeezed)."""
    fmt = fmt if fmt in FORMATS else "png"
    options = figures.plot_config("chart", fmt, height)["toImageButtonOptions"]
    if topojson_url:
        pio.defaults.topojson = topojson_url
    light = light_figure(fig)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return light.to_image(
                format=fmt,
                width=options["width"],
                height=options["height"],
                scale=options["scale"] if fmt == "png" else 1,
            )
        except Exception as error:  # kaleido's own errors have no common base class
            # On a loaded machine kaleido now and then asks its Chromium tab to render before the tab's scripts
            # have loaded ("ReferenceError: kaleido_scopes is not defined", CI stop 26): the download then gave
            # nothing at all. A second render in a fresh tab works; a real error fails every time and is raised.
            if attempt == ATTEMPTS or not _transient(error):
                raise
            time.sleep(RETRY_PAUSE_S * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


#: Renders tried before a download gives up, and the pause before the second (doubled before the third).
ATTEMPTS: Final = 3
RETRY_PAUSE_S: Final = 0.5


def _transient(error: Exception) -> bool:
    """kaleido's own failures (its tab, its browser), not a figure plotly refused."""
    return type(error).__module__.split(".")[0] in ("kaleido", "choreographer") or "kaleido" in str(error)
