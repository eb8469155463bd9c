"""A tiny SMTP server for the worker tests: counts the messages it accepts, or refuses, or stalls.

Only what Django's SMTP backend says is understood (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT). A message counts once the server has answered "250" to its final dot.
"""

from __future__ import annotations

import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class SinkState:
    refuse: bool = False
    stall_on_data_once: bool = False
    messages: list[bytes] = field(default_factory=list)
    mail_commands: list[float] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state: SinkState = self.server.state  # type: ignore[attr-defined]
        self._reply("220 sink.test ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            verb = raw.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-sink.test" if verb == "EHLO" else "250 sink.test")
                if verb == "EHLO":
                    self._reply("250 8BITMIME")
            elif verb == "MAIL":
                with state.lock:
                    state.mail_commands.append(time.monotonic())
                if state.refuse:
                    self._reply("554 5.7.1 Refused by the test sink")
                else:
                    self._reply("250 OK")
            elif verb in ("RCPT", "RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "DATA":
                with state.lock:
                    stall = state.stall_on_data_once and not state.stalled.is_set()
                    if stall:
                        state.stalled.set()
                if stall:
                    # The client is in the middle of sending: hold it here until the test has
                    # killed it, then hang up without taking the message.
                    state.release.wait(60)
                    return
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    if line in (b".\r\n", b".\n"):
                        break
                    body.append(line)
                self._reply("250 OK queued")
                with state.lock:
                    state.messages.append(b"".join(body))
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """`with SmtpSink() as sink:` listens on 127.0.0.1:`sink.port` in a thread."""

    def __init__(self, *, refuse: bool = False, stall_on_data_once: bool = False) -> None:
        self.state = SinkState(refuse=refuse, stall_on_data_once=stall_on_data_once)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.state.release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def messages(self) -> list[bytes]:
        with self.state.lock:
            return list(self.state.messages)

    @property
    def mail_commands(self) -> list[float]:
        with self.state.lock:
            return list(self.state.mail_commands)
