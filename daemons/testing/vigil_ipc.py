# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal client of Vigil's local protocol (lib/ipc/frame.hpp) for
daemon-level tests, plus helpers to run a daemon in a temporary directory.
Frames: 16-byte header "VIGL", version 1, kind, id, length (little-endian)."""

import os
import signal
import socket
import struct
import subprocess
import time

MAGIC = b"VIGL"
VERSION = 1
HELLO, REQUEST, RESPONSE, ERROR, EVENT = 1, 2, 3, 4, 5


class Refused(Exception):
    pass


def frame(kind, ident, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return MAGIC + struct.pack("<HHII", VERSION, kind, ident, len(payload)) + payload


class Conn:
    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 1
        self.events = []
        kind, _, payload = self.read_frame()
        if kind != HELLO:
            raise Refused(payload.decode(errors="replace"))

    def close(self):
        self.sock.close()

    def read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed by the daemon")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        header = self.read_exact(16)
        if header[:4] != MAGIC:
            raise ValueError("bad magic from the daemon")
        _, kind, ident, length = struct.unpack("<HHII", header[4:])
        return kind, ident, self.read_exact(length)

    def send(self, payload):
        ident = self.next_id
        self.next_id += 1
        self.sock.sendall(frame(REQUEST, ident, payload))
        return ident

    def wait_reply(self, ident):
        while True:
            kind, rid, payload = self.read_frame()
            if kind == EVENT:
                self.events.append(payload.decode())
                continue
            if rid != ident:
                raise ValueError("answer to %d while waiting for %d" % (rid, ident))
            return kind, payload.decode(errors="replace")

    def call(self, payload):
        """Returns the response payload; raises RuntimeError with the
        daemon's message on an error frame."""
        kind, text = self.wait_reply(self.send(payload))
        if kind == ERROR:
            raise RuntimeError(text)
        if kind != RESPONSE:
            raise ValueError("unexpected frame kind %d" % kind)
        return text

    def wait_event(self, predicate, timeout=15.0):
        """The first event (old or new) for which predicate(text) holds."""
        end = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if predicate(e):
                    return self.events.pop(i)
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching event within %.0f s; got %r" % (timeout, self.events))
            self.sock.settimeout(left)
            kind, _, payload = self.read_frame()
            if kind == EVENT:
                self.events.append(payload.decode())


def wait_for_socket(path, proc, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("daemon exited with %s before listening" % proc.returncode)
        if os.path.exists(path):
            try:
                Conn(path, timeout=2).close()
                return
            except (OSError, Refused):
                pass
        time.sleep(0.05)
    raise TimeoutError("nothing listens on %s" % path)


class Daemon:
    """Runs a daemon binary with --run-dir/--state-dir in `base`; stops it by
    pid (SIGTERM, then SIGKILL after a bound) when the test ends."""

    def __init__(self, binary, base, socket_name, extra=()):
        self.run_dir = os.path.join(base, "run")
        self.state_dir = os.path.join(base, "state")
        self.socket = os.path.join(self.run_dir, socket_name)
        self.log = open(os.path.join(base, os.path.basename(binary) + ".log"), "wb")
        self.proc = subprocess.Popen(
            [binary, "--run-dir", self.run_dir, "--state-dir", self.state_dir,
             "--log-level", "debug"] + list(extra),
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_socket(self.socket, self.proc)

    def connect(self):
        return Conn(self.socket)

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=20.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode


def bad_input_survival(daemon, good_request, check, max_payload=16 * 1024 * 1024):
    """The socket-level abuse every daemon must survive: garbage bytes, a
    truncated frame, an oversized frame, a client that vanishes right after
    its request. After each, `check(conn.call(good_request))` must hold on a
    new connection. Returns the list of what was tried."""
    tried = []

    def still_answers():
        c = daemon.connect()
        try:
            check(c.call(good_request))
        finally:
            c.close()
        assert daemon.alive(), "the daemon died"

    # Garbage bytes: the daemon answers an error frame (id 0) and closes.
    c = daemon.connect()
    c.sock.sendall(b"\x00\xffthis is not a frame at all" * 10)
    kind, ident, _ = c.read_frame()
    assert kind == ERROR and ident == 0, (kind, ident)
    c.close()
    still_answers()
    tried.append("garbage")

    # Truncated: a header announcing 1000 bytes, 10 sent, then gone.
    c = daemon.connect()
    c.sock.sendall(MAGIC + struct.pack("<HHII", VERSION, REQUEST, 1, 1000) + b"<lrmd-hist")
    c.close()
    still_answers()
    tried.append("truncated")

    # Oversized: a header announcing more than the daemon's limit (16 MiB;
    # 2 GiB on the sockets that carry whole CIBs).
    c = daemon.connect()
    c.sock.sendall(MAGIC + struct.pack("<HHII", VERSION, REQUEST, 1, max_payload + 1))
    kind, ident, payload = c.read_frame()
    assert kind == ERROR and ident == 0, (kind, ident)
    assert b"limit" in payload or b"large" in payload or b"exceeds" in payload, payload
    c.close()
    still_answers()
    tried.append("oversized")

    # A valid request whose client vanishes before the answer.
    c = daemon.connect()
    c.send(good_request)
    c.close()
    time.sleep(0.2)
    still_answers()
    tried.append("vanished")

    # A well-framed request whose payload is not XML.
    c = daemon.connect()
    try:
        c.call("<<<not xml")
        raise AssertionError("garbage payload was accepted")
    except RuntimeError as e:
        assert "invalid-input" in str(e) or "XML" in str(e) or "xml" in str(e), str(e)
    still_answers()
    c.close()
    tried.append("bad payload")
    return tried


def refused_as_nobody(socket_path):
    """Connects from a forked child that became uid/gid 65534. Returns the
    refusal text (the server's, or the socket mode's "Permission denied"),
    or None when not root (cannot change user)."""
    if os.geteuid() != 0:
        return None
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 1
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                Conn(socket_path, timeout=5).close()
                os.write(w, b"ACCEPTED")
            except Refused as e:
                os.write(w, ("REFUSED " + str(e)).encode())
                code = 0
            except PermissionError as e:
                # The socket is 0660 group haclient: refused by its mode,
                # before the credential check.
                os.write(w, ("REFUSED by the socket's mode: " + str(e)).encode())
                code = 0
            except Exception as e:  # noqa: BLE001 - report anything to the parent
                os.write(w, ("ERROR " + repr(e)).encode())
        finally:
            os._exit(code)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    if not text.startswith("REFUSED "):
        raise AssertionError("a client running as nobody was not refused: " + text)
    return text[len("REFUSED "):]
