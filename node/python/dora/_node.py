"""The Python node API: connect to the dora daemon, iterate events, send outputs.

Single-threaded: the socket is read only inside `next()` (and, briefly and without waiting,
before writing a large payload), so there is no background thread and no lock.
"""

import collections
import json
import os
import select
import socket
import sys
import time

from . import _protocol as p
from ._shm import ShmReader, ShmWriter

_READ_CHUNK = 64 * 1024
_COPY_MAX = 64 * 1024  # inline payloads up to this size are joined to their header


def _dynamic_config_path(node_id):
    home = os.environ.get("DORA_HOME") or os.path.join(os.environ.get("HOME", "/tmp"), ".dora")
    return os.path.join(home, "run", "dynamic", node_id + ".json")


def _read_config(node_id):
    text = os.environ.get("DORA_NODE_CONFIG")
    origin = "DORA_NODE_CONFIG"
    if not text:
        if node_id is None:
            raise RuntimeError(
                "DORA_NODE_CONFIG is not set: start this node through dora "
                "(`dora run dataflow.yml`), or, for a node declared with `path: dynamic`, "
                "pass its id: Node(\"my-node\")"
            )
        origin = _dynamic_config_path(node_id)
        try:
            with open(origin, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            raise RuntimeError(
                "no running dataflow has a dynamic node %r (%s not found); start the dataflow first"
                % (node_id, origin)
            ) from None
    try:
        config = json.loads(text)
    except ValueError as err:
        raise RuntimeError("%s is not valid JSON: %s" % (origin, err)) from None
    if config.get("protocol") != p.PROTOCOL_VERSION:
        raise RuntimeError(
            "%s uses protocol version %r, this node library speaks %d"
            % (origin, config.get("protocol"), p.PROTOCOL_VERSION)
        )
    if node_id is not None and node_id != config.get("node_id"):
        raise RuntimeError("this process is node %r, not %r" % (config.get("node_id"), node_id))
    return config


class Node:
    """A dora node. `Node()` reads the config dora gave this process and connects back; it
    returns once every node of the dataflow has connected (the startup barrier). A node started
    by hand (`path: dynamic`) passes its id: `Node("my-node")`."""

    def __init__(self, node_id=None):
        config = _read_config(node_id)
        self.id = config["node_id"]
        self.inputs = list(config["inputs"])
        self.outputs = list(config["outputs"])
        self._config = config
        # Runtime parameters (`dora param`): those we started with, updated by PARAM_UPDATE.
        self.params = dict(config.get("params") or {})
        self._output_set = set(self.outputs)
        self._events = collections.deque()
        self._ready_outstanding = False
        self._ended = False
        self._stop_queued = False
        self._closed = False
        self._rbuf = bytearray(_READ_CHUNK)
        self._rend = 0
        self._welcome = None
        self._shm_threshold = config.get("shm_threshold") or float("inf")
        self._shm_writer = None
        self._shm_reader = ShmReader(config["shm_dir"]) if config.get("shm_dir") else None
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(config["socket"])
        except OSError as err:
            raise RuntimeError(
                "cannot connect to the dora daemon at %s: %s" % (config["socket"], err)
            ) from None
        self._poller = select.poll()
        self._poller.register(self._sock, select.POLLIN)
        hello = {
            "protocol": p.PROTOCOL_VERSION,
            "dataflow_id": config["dataflow_id"],
            "node_id": self.id,
            "token": config["token"],
        }
        self._sock.sendall(p.frame(p.HELLO, json.dumps(hello).encode("utf-8")))
        while self._welcome is None:
            if not self._fill(None):
                raise RuntimeError("the dora daemon closed the connection of node %r" % self.id)
        prefix = self._welcome.get("shm_prefix")
        if prefix and config.get("shm_dir"):
            self._shm_writer = ShmWriter(config["shm_dir"], prefix)

    # -- reading -------------------------------------------------------------------------

    def _fill(self, timeout, wait=True):
        """Reads what the socket has (waiting up to `timeout` seconds, None = forever) and
        handles complete frames. Returns False once the connection has ended."""
        if self._ended and self._closed:
            return False
        if self._rend == len(self._rbuf):
            bigger = bytearray(len(self._rbuf) * 2)
            bigger[: self._rend] = self._rbuf
            self._rbuf = bigger
        try:
            if not wait:
                n = self._sock.recv_into(memoryview(self._rbuf)[self._rend:], 0, socket.MSG_DONTWAIT)
            else:
                if timeout is not None and not self._poller.poll(max(0, int(timeout * 1000))):
                    return True
                n = self._sock.recv_into(memoryview(self._rbuf)[self._rend:])
        except BlockingIOError:
            return True
        except OSError as err:
            self._disconnect(err)
            return False
        if n == 0:
            self._disconnect(None)
            return False
        self._rend += n
        used, needed = p.parse_frames(self._rbuf, self._rend, self._on_frame)
        if used:
            rest = self._rend - used
            self._rbuf[0:rest] = bytes(self._rbuf[used:self._rend])
            self._rend = rest
            if len(self._rbuf) > 4 * _READ_CHUNK and rest <= _READ_CHUNK and needed <= _READ_CHUNK:
                small = bytearray(_READ_CHUNK)
                small[:rest] = self._rbuf[:rest]
                self._rbuf = small
        if needed > len(self._rbuf):
            bigger = bytearray(needed)
            bigger[: self._rend] = self._rbuf[: self._rend]
            self._rbuf = bigger
        return True

    def _on_frame(self, frame_type, body):
        if frame_type == p.INPUT:
            self._push(self._decode_input(body))
        elif frame_type == p.INPUT_CLOSED:
            self._push({"type": "INPUT_CLOSED", "id": str(body, "utf-8")})
        elif frame_type == p.INPUT_RECOVERED:
            self._push({"type": "INPUT_RECOVERED", "id": str(body, "utf-8")})
        elif frame_type == p.NODE_RESTARTED:
            self._push({"type": "NODE_RESTARTED", "id": str(body, "utf-8")})
        elif frame_type == p.PARAM_UPDATE:
            update = json.loads(str(body, "utf-8"))
            deleted = update.get("deleted") is True
            if deleted:
                self.params.pop(update["key"], None)
            else:
                self.params[update["key"]] = update.get("value")
            self._push({
                "type": "PARAM_UPDATE",
                "key": update["key"],
                "value": None if deleted else update.get("value"),
                "deleted": deleted,
            })
        elif frame_type == p.STOP:
            self._stop_queued = True
            self._push({"type": "STOP"})
        elif frame_type == p.ERROR:
            self._push({"type": "ERROR", "error": str(body, "utf-8")})
        elif frame_type == p.FREE:
            if self._shm_writer is not None:
                self._shm_writer.release(str(body, "utf-8"))
        elif frame_type == p.WELCOME and self._welcome is None:
            self._welcome = json.loads(str(body, "utf-8")) if len(body) else {}
        elif frame_type == p.REFUSED and self._welcome is None:
            raise RuntimeError(
                "the dora daemon refused node %r: %s" % (self.id, str(body, "utf-8"))
            )
        else:
            raise ValueError("unexpected frame type 0x%02x from the daemon" % frame_type)

    def _decode_input(self, body):
        ident, message = p.split_identified(body)
        kind, _flags, ts, params, payload, shm = p.decode_message(message)
        if shm is not None:
            try:
                if self._shm_reader is None:
                    raise ValueError("the node has no shared-memory folder")
                payload = self._shm_reader.read(shm[0], shm[1])
            except (OSError, ValueError) as err:
                # One unreadable payload is reported, not fatal to the connection.
                return {
                    "type": "ERROR",
                    "error": "could not read the payload of input %r from shared memory: %s"
                    % (ident, err),
                }
            finally:
                self._send(p.frame(p.RELEASE, shm[0].encode("utf-8")))
        return {
            "type": "INPUT",
            "id": ident,
            "value": p.decode_value(kind, payload),
            "metadata": p.decode_parameters(params),
            "timestamp": ts / 1e9,
        }

    def _push(self, event):
        self._ready_outstanding = False
        self._events.append(event)

    def _disconnect(self, err):
        if not self._ended and not self._closed and not self._stop_queued:
            why = ": %s" % err if err else ""
            sys.stderr.write(
                "dora: lost the connection to the daemon%s; ending the event stream\n" % why
            )
        self._ended = True
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass

    # -- public API -----------------------------------------------------------------------

    def next(self, timeout=None):
        """The next event (a dict with type, id, value, metadata, timestamp), or None when
        `timeout` seconds passed first or the event stream has ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._events:
                event = self._events.popleft()
                if event["type"] == "STOP":
                    self._ended = True
                return event
            if self._ended:
                return None
            if not self._ready_outstanding:
                self._ready_outstanding = True
                if not self._send(p.frame(p.READY)):
                    return None
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            if not self._fill(remaining) and not self._events:
                return None

    def __iter__(self):
        return self

    def __next__(self):
        event = self.next()
        if event is None:
            raise StopIteration
        return event

    def send_output(self, output_id, data=None, metadata=None):
        """Sends `data` on `output_id` to every input mapped to it. `data`: bytes, str, a JSON
        value, an array.array / memoryview / numpy array of numbers. `metadata`: a dict of
        bool, int, float, str or lists of these."""
        if output_id not in self._output_set:
            raise ValueError(
                "output %r is not declared for node %r (declared outputs: %s); add it to the "
                "node's 'outputs' in the dataflow file"
                % (output_id, self.id, ", ".join(self.outputs) or "none")
            )
        if self._closed:
            raise RuntimeError(
                "cannot send on output %r: the connection to the dora daemon is closed" % output_id
            )
        kind, payload = p.encode_value(data)
        params = p.encode_parameters(metadata)
        size = payload.nbytes if isinstance(payload, memoryview) else len(payload)
        ts = time.time_ns()
        if self._shm_writer is not None and size >= self._shm_threshold:
            # Learn which files the daemon has freed, so they are reused, not re-created.
            while self._fill(0, wait=False) and self._sock_has_data():
                pass
            try:
                name = self._shm_writer.write(payload, size)
            except OSError as err:
                sys.stderr.write("dora: shared memory unavailable (%s); sending inline\n" % err)
                self._shm_writer = None
            else:
                head = p.message_head(p.OUTPUT, output_id, kind, ts, params, size, name)
                return self._send_checked(head, None, output_id)
        head = p.message_head(p.OUTPUT, output_id, kind, ts, params, size)
        if size <= _COPY_MAX:
            return self._send_checked(head + bytes(payload), None, output_id)
        return self._send_checked(head, payload, output_id)

    def _sock_has_data(self):
        return not self._closed and bool(self._poller.poll(0))

    def _send(self, data):
        try:
            self._sock.sendall(data)
            return True
        except OSError as err:
            self._disconnect(err)
            return False

    def _send_checked(self, head, payload, output_id):
        try:
            if payload is None:
                self._sock.sendall(head)
            else:
                self._sock.sendall(head)
                self._sock.sendall(payload)
        except OSError as err:
            self._disconnect(err)
            raise RuntimeError(
                "cannot send on output %r: the connection to the dora daemon is closed" % output_id
            ) from None

    def dataflow_id(self):
        """The id of the running dataflow."""
        return self._config["dataflow_id"]

    def close(self):
        """Closes the connection (the process exiting does the same)."""
        if not self._closed:
            self._ended = True
            self._closed = True
            self._sock.close()
        if self._shm_writer is not None:
            self._shm_writer.close()
        if self._shm_reader is not None:
            self._shm_reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
