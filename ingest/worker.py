"""Reading files in a child process, so that a parser that stalls can be stopped at a time limit.

A signal cannot interrupt a parser stuck inside C code (a regular expression, lxml, zlib)
and does not work outside the main thread (Streamlit runs scripts in threads). So the
readers run in one long-lived child process (``python -m ingest.worker``), fed one file at
a time over a pipe; when a read overruns, the child is killed and the next read starts a
fresh one. Only reading happens there: metadata and chunking stay in the caller, which has
the embedder's tokenizer.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import BinaryIO

from ingest.errors import UnreadableFileError, UnsupportedFileError
from ingest.models import ParsedFile

_HEADER = struct.Struct("!Q")
#: Seconds a fresh child may take to import the readers before reading is done in-process.
START_TIMEOUT_S = 30.0


def _send(stream: BinaryIO, message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        part = stream.read(size)
        if not part:
            raise EOFError("the pipe closed mid-message")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _receive(stream: BinaryIO) -> object:
    size = _HEADER.unpack(_read_exact(stream, _HEADER.size))[0]
    return pickle.loads(_read_exact(stream, size))


class _ChildGone(Exception):
    """The child died before it took the request (not the file's fault)."""


class ReaderProcess:
    """One child process that reads files on request; replaced after a read that overran.

    Thread-safe: reads are serialised by a lock (the app may ingest from several sessions).
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        # Unbuffered pipes: select() must see every byte the child sent.
        proc = subprocess.Popen([sys.executable, "-m", "ingest.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, bufsize=0,
                                start_new_session=True)  # its own group: a kill takes OCR helpers along
        if not _ready(proc.stdout, START_TIMEOUT_S) or _receive(proc.stdout) != "ready":
            _kill(proc)
            raise OSError("the reader process did not start")
        return proc

    def read(self, data: bytes, name: str, timeout_s: float) -> ParsedFile:
        """Read one file's bytes in the child, as ``ingest.readers.read_document`` would.

        Raises:
            UnsupportedFileError, UnreadableFileError: as the reader raises them; a read that
                takes longer than ``timeout_s`` raises UnreadableFileError saying so.
            OSError: when no child process can be started (the caller reads in-process).
        """
        with self._lock:
            fresh = self._proc is None or self._proc.poll() is not None
            try:
                status, payload = self._exchange(data, name, timeout_s, fresh)
            except _ChildGone:
                # A child that served earlier reads may have died since (its starting thread
                # ended, or it was killed): one more try with a fresh one.
                status, payload = self._exchange(data, name, timeout_s, True)
        if status == "ok":
            return payload
        error = UnsupportedFileError if status == "unsupported" else UnreadableFileError
        raise error(payload)

    def _exchange(self, data: bytes, name: str, timeout_s: float, fresh: bool) -> tuple[str, object]:
        if fresh:
            self.stop()
            self._proc = self._start()
        proc = self._proc
        try:
            _send(proc.stdin, (data, name))
            # The child first loads the parser for the file's type (not part of the limit).
            if not _ready(proc.stdout, START_TIMEOUT_S) or _receive(proc.stdout) != "reading":
                raise EOFError("the reader process did not start reading")
            if not _ready(proc.stdout, timeout_s):
                self.stop()
                raise UnreadableFileError(
                    f"{name}: reading took longer than {timeout_s:g} s (parse_timeout_s); "
                    "the file may be damaged or built to stall readers")
            return _receive(proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self.stop()
            if not fresh:
                raise _ChildGone() from exc
            raise UnreadableFileError(
                f"{name}: the reader process died while reading it ({type(exc).__name__}; out of memory?)") from exc

    def stop(self) -> None:
        """Kill the child (a new one starts on the next read)."""
        if self._proc is not None:
            _kill(self._proc)
            self._proc = None


def _ready(stream: BinaryIO, timeout_s: float) -> bool:
    return bool(select.select([stream], [], [], timeout_s)[0])


def _kill(proc: subprocess.Popen) -> None:
    try:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            proc.kill()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        pass
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass


_shared: ReaderProcess | None = None
_shared_lock = threading.Lock()


def shared_reader() -> ReaderProcess:
    """The process-wide reader child, started on first use and stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ReaderProcess()
            atexit.register(_shared.stop)
        return _shared


#: The parser library each file type needs, imported before a read's time limit starts.
PARSERS = {".pdf": "pypdf", ".docx": "docx", ".pptx": "pptx", ".html": "trafilatura", ".htm": "trafilatura"}


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The child's loop: read (bytes, name) requests until the pipe closes.

    Each request gets two replies: "reading" once the parser library for its type is
    imported (so import time never counts against the limit), then the result.
    """
    import importlib

    from ingest.readers import read_document

    _send(replies, "ready")
    while True:
        try:
            data, name = _receive(requests)
        except EOFError:
            return
        parser = PARSERS.get(Path(name).suffix.lower())
        if parser:
            try:
                importlib.import_module(parser)
            except ImportError:
                pass  # the reader reports the missing package itself
        _send(replies, "reading")
        try:
            reply = ("ok", read_document(data, name))
        except UnsupportedFileError as exc:
            reply = ("unsupported", str(exc))
        except UnreadableFileError as exc:
            reply = ("unreadable", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported like the in-process path does
            reply = ("unreadable", f"{name}: unexpected reader error ({type(exc).__name__}: {exc})"[:300])
        _send(replies, reply)


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this child when its parent dies (a killed ingest leaves no reader)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    _die_with_parent()
    if os.getppid() == 1:
        sys.exit(0)  # the parent is already gone
    replies = sys.stdout.buffer
    sys.stdout = sys.stderr  # a reader that prints must not corrupt the reply stream
    serve(sys.stdin.buffer, replies)
