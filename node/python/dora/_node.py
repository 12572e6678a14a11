"""The Python node API (dora 1.0's `Node`): connect to the dora daemon, receive events, send
outputs, log.

Single-threaded: the socket is read only inside the receiving calls (and, briefly and without
waiting, before writing a large payload), so there is no background thread and no lock.
Events are pulled: READY asks for the next batch, POLL asks for what waits right now.
"""

import collections
import datetime
import json
import os
import select
import socket
import sys
import time

from . import _logging
from . import _protocol as p
from ._config import read_config
from ._info import NodeInfo
from ._shm import ShmReader, ShmWriter

_READ_CHUNK = 64 * 1024
_COPY_MAX = 64 * 1024  # inline payloads up to this size are joined to their header
_UTC = datetime.timezone.utc
_fromtimestamp = datetime.datetime.fromtimestamp
_OFF = ("0", "false", "no", "off")
_INPUT = p.INPUT


def _load_arrow():
    """dora._arrow when pyarrow is installed (and DORA_PYARROW does not turn it off)."""
    if os.environ.get("DORA_PYARROW", "").strip().lower() in _OFF:
        return None
    try:
        from . import _arrow
    except ImportError:
        return None
    return _arrow


class Node(NodeInfo):
    """A dora node. `Node()` reads the config dora gave this process and connects back; it
    returns once every node of the dataflow has connected (the startup barrier). A node started
    by hand (`path: dynamic`) passes its id: `Node("my-node")`. `daemon_port` is accepted for
    dora compatibility and not needed: the config says where the daemon is.

    Events are dicts as dora gives them: `type` ("INPUT", "INPUT_CLOSED", "STOP", "ERROR"),
    `id`, `kind` ("dora"), and for inputs `value` and `metadata` (with `timestamp`, a UTC
    datetime). With pyarrow installed every `value` is a `pyarrow.Array`."""

    def __init__(self, node_id=None, daemon_port=None):
        config = read_config(node_id)
        _logging.install_bridge()
        self.id = config["node_id"]
        self.inputs = list(config["inputs"])
        self.outputs = list(config["outputs"])
        self._config = config
        # Runtime parameters (`dora param`): those we started with, updated by PARAM_UPDATE.
        self.params = dict(config.get("params") or {})
        self._descriptor = None
        self._arrow = _load_arrow()
        self._output_set = set(self.outputs)
        self._events = collections.deque()
        self._ready_outstanding = False
        self._polls_owed = 0
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
        if frame_type == _INPUT:  # the hot path: no extra call
            self._ready_outstanding = False
            self._events.append(self._decode_input(body))
        elif frame_type == p.INPUT_CLOSED:
            self._push({"type": "INPUT_CLOSED", "id": str(body, "utf-8"), "kind": "dora"})
        elif frame_type == p.INPUT_RECOVERED:
            self._push({"type": "INPUT_RECOVERED", "id": str(body, "utf-8"), "kind": "dora"})
        elif frame_type == p.NODE_RESTARTED:
            self._push({"type": "NODE_RESTARTED", "id": str(body, "utf-8"), "kind": "dora"})
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
                "kind": "dora",
            })
        elif frame_type == p.STOP:
            self._stop_queued = True
            cause = str(body, "utf-8") or "MANUAL"
            self._push({"type": "STOP", "id": cause, "kind": "dora"})
        elif frame_type == p.ERROR:
            self._push({"type": "ERROR", "error": str(body, "utf-8"), "kind": "dora"})
        elif frame_type == p.POLLED:
            self._polls_owed = max(0, self._polls_owed - 1)
            self._ready_outstanding = False
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
        ident, kind, _flags, ts, params, payload, shm = p.decode_identified(body)
        if shm is not None:
            try:
                if self._shm_reader is None:
                    raise ValueError("the node has no shared-memory folder")
                payload = self._shm_reader.read(shm[0], shm[1])
            except (OSError, ValueError) as err:
                # One unreadable payload is reported, not fatal to the connection.
                return self._error("could not read the payload of input %r from shared memory: %s"
                                   % (ident, err))
            finally:
                self._send(p.frame(p.RELEASE, shm[0].encode("utf-8")))
        try:
            if self._arrow is not None:
                value = self._arrow.decode(kind, payload if shm is not None else bytes(payload))
            else:
                value = p.decode_value(kind, payload)
            metadata = p.decode_parameters(params) if params else {}
        except (ValueError, UnicodeDecodeError) as err:
            return self._error("could not decode input %r: %s" % (ident, err))
        seconds = ts / 1e9
        metadata["timestamp"] = _fromtimestamp(seconds, _UTC)
        return {
            "type": "INPUT",
            "id": ident,
            "kind": "dora",
            "value": value,
            "metadata": metadata,
            "timestamp": seconds,
        }

    @staticmethod
    def _error(text):
        return {"type": "ERROR", "error": text, "kind": "dora"}

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
        self._polls_owed = 0
        try:
            self._sock.close()
        except OSError:
            pass

    def _pop(self):
        event = self._events.popleft()
        if event["type"] == "STOP":
            self._ended = True
        return event

    def _poll(self):
        """Asks the daemon for the events waiting now and reads them (one round trip)."""
        if self._ended or self._closed:
            return
        if not self._send(p.frame(p.POLL)):
            return
        self._polls_owed += 1
        while self._polls_owed and self._fill(None):
            pass

    def _send_ready(self):
        if not self._ready_outstanding:
            self._ready_outstanding = True
            return self._send(p.frame(p.READY))
        return True

    # -- receiving ------------------------------------------------------------------------

    def next(self, timeout=None):
        """The next event; None when `timeout` seconds passed first or the stream has ended.
        `timeout=0` does not wait: it returns an event that is already there or waiting at
        the daemon, else None."""
        if timeout is not None and timeout <= 0:
            return self.try_recv()
        events = self._events
        if events:
            event = events.popleft()
            if event["type"] == "STOP":
                self._ended = True
            return event
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if events:
                return self._pop()
            if self._ended:
                return None
            if not self._send_ready():
                return None
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            if not self._fill(remaining) and not self._events:
                return None

    def try_recv(self):
        """The next event if one is waiting (here or at the daemon), else None; never waits
        for a new one."""
        if not self._events:
            self._poll()
        return self._pop() if self._events else None

    def drain(self):
        """Every event waiting now, as a list (empty when none); never waits for a new one."""
        self._poll()
        out = []
        while self._events:
            out.append(self._pop())
        return out

    def is_empty(self):
        """True when no event is waiting (here or at the daemon)."""
        if not self._events:
            self._poll()
        return not self._events

    async def recv_async(self, timeout=None):
        """`await node.recv_async()`: the next event without blocking the asyncio loop; None
        once the stream has ended. After `timeout` seconds an ERROR event says so."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            if self._events:
                return self._pop()
            if self._ended or not self._send_ready():
                return None
            readable = loop.create_future()
            fd = self._sock.fileno()
            loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
            try:
                if deadline is None:
                    await readable
                else:
                    await asyncio.wait_for(readable, max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return self._error("timeout: no event within %s s" % timeout)
            finally:
                loop.remove_reader(fd)
            if not self._fill(0, wait=False) and not self._events:
                return None

    def __iter__(self):
        return self

    def __next__(self):
        event = self.next()
        if event is None:
            raise StopIteration
        return event

    # -- sending --------------------------------------------------------------------------

    def send_output(self, output_id, data=None, metadata=None):
        """Sends `data` on `output_id` to every input mapped to it. `data`: a pyarrow array,
        bytes, str, a numpy array, an array.array / memoryview of numbers, a list or any JSON
        value. `metadata`: a dict of bool, int, float, str, datetime or lists of these (an
        event's `metadata` can be passed on as it is)."""
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
            self._sock.sendall(head)
            if payload is not None:
                self._sock.sendall(payload)
        except OSError as err:
            self._disconnect(err)
            raise RuntimeError(
                "cannot send on output %r: the connection to the dora daemon is closed" % output_id
            ) from None

    def _request_stop_all(self):
        """Asks the daemon to stop the whole dataflow (an operator's DoraStatus.STOP_ALL)."""
        if not self._closed:
            self._send(p.frame(p.STOP_ALL))

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

    def __repr__(self):
        return "<dora.Node %r of dataflow %s>" % (self.id, self.dataflow_id())

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
