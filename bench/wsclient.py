"""A minimal Streamlit websocket client: one browser session without a browser.

Protocol (streamlit 1.67, streamlit/web/server/starlette/starlette_websocket.py and the
frontend's WebsocketConnection): connect to `ws://HOST:PORT/_stcore/stream` with the
`Sec-WebSocket-Protocol` header "streamlit" (its second entry would be an XSRF token; it
only matters for reading the auth cookie, so none is sent); the server checks Origin
against Host (same origin or no Origin passes). Every frame is one protobuf: the client
sends `BackMsg(rerun_script=ClientState(query_string, widget_states, page_script_hash))`,
the server answers with ForwardMsgs (new_session, deltas, ...) and ends each run with
`script_finished`. Filters are bound to the URL (`bind="query-params"`). On a session's
later reruns widget state wins over the URL, except on history navigation: a rerun with
another `query_string`, no widget states and `is_history_navigation=True` is what the
browser sends on back/forward between two views, and the script reruns with the new filters.
The rerun must name the page's script hash (learnt from the first run's `navigation`
message): with an empty hash the URL's bound values are dropped.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


@dataclass
class RunResult:
    seconds: float
    ok: bool
    messages: int
    exceptions: int


@dataclass
class Session:
    host: str
    port: int
    cookie: str | None = None
    source_address: str | None = None  # bind the client socket to this loopback address
    timeout: float = 60.0
    ws: websocket.WebSocket | None = None
    pages: dict[str, str] = field(default_factory=dict)  # page name -> page_script_hash ("" = default page)
    texts: list[str] = field(default_factory=list)  # markdown/metric text of the last run (when kept)

    def connect(self) -> Session:
        sock = None
        if self.source_address:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((self.source_address, 0))
            sock.settimeout(self.timeout)
            sock.connect((self.host, self.port))
        self.ws = websocket.create_connection(
            f"ws://{self.host}:{self.port}/_stcore/stream",
            timeout=self.timeout,
            subprotocols=["streamlit"],
            cookie=self.cookie,
            socket=sock,
            enable_multithread=False,
        )
        return self

    def rerun(self, query_string: str = "", page: str = "", keep_text: bool = False) -> RunResult:
        """Ask for a rerun and wait for `script_finished`; the time is send to finish."""
        assert self.ws is not None
        msg = BackMsg()
        msg.rerun_script.query_string = query_string
        msg.rerun_script.page_script_hash = self.pages.get(page, "")
        msg.rerun_script.widget_states.SetInParent()
        # After a session's first run, widget state wins over the URL unless the rerun is a
        # history navigation (browser back/forward to another view): then the URL wins.
        msg.rerun_script.is_history_navigation = True
        payload = msg.SerializeToString()
        t0 = time.perf_counter()
        self.ws.send_binary(payload)
        n = exceptions = 0
        if keep_text:
            self.texts = []
        while True:
            data = self.ws.recv()
            n += 1
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "script_finished":
                if fwd.script_finished in DONE:
                    return RunResult(
                        time.perf_counter() - t0,
                        fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY and not exceptions,
                        n,
                        exceptions,
                    )
            elif kind == "delta":
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "exception":
                    exceptions += 1
                elif keep_text and which in ("markdown", "metric", "heading"):
                    self.texts.append(str(getattr(el, which)))
            elif kind == "navigation" and not self.pages:
                for p in fwd.navigation.app_pages:
                    self.pages[p.page_name] = p.page_script_hash
                    if p.is_default:
                        self.pages[""] = p.page_script_hash

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close(timeout=2)
            except Exception:  # noqa: BLE001 - closing a socket the server already dropped
                pass
            self.ws = None
