"""The node protocol's codec (docs/protocol.md): frames, messages, values and parameters.

Pure: no I/O. Standard library only (numpy and pyarrow values are accepted when those
packages are installed, never required; pyarrow conversions live in _arrow.py).
"""

import array
import datetime
import json
import math
import struct
import sys

PROTOCOL_VERSION = 2

# Frame types: node -> daemon below 0x80, daemon -> node from 0x80.
HELLO = 0x01
READY = 0x02
OUTPUT = 0x03
RELEASE = 0x04
POLL = 0x05
STOP_ALL = 0x06
WELCOME = 0x81
REFUSED = 0x82
INPUT = 0x83
INPUT_CLOSED = 0x84
STOP = 0x85
ERROR = 0x86
FREE = 0x87
INPUT_RECOVERED = 0x88
POLLED = 0x89
NODE_RESTARTED = 0x90  # a node feeding one of our inputs was restarted (body: its id)
PARAM_UPDATE = 0x91  # a runtime parameter was set or deleted (body: JSON)

FLAG_SHM = 0x01
MAX_FRAME = 0x7FFFFFFF

# Value kinds.
BYTES = 0x00
TEXT = 0x01
JSON = 0x02
INT8 = 0x10
UINT8 = 0x11
INT16 = 0x12
UINT16 = 0x13
INT32 = 0x14
UINT32 = 0x15
INT64 = 0x16
UINT64 = 0x17
FLOAT32 = 0x18
FLOAT64 = 0x19
ARROW = 0x20

FRAME_HEAD = struct.Struct("<IB")  # length (type + body), type
MESSAGE_HEAD = struct.Struct("<BBQI")  # kind, flags, timestamp ns, parameters length
ID_LEN = struct.Struct("<H")
SHM_LEN = struct.Struct("<Q")

# kind -> (signed, size) for integer arrays
_INT_KINDS = {
    INT8: (True, 1), UINT8: (False, 1), INT16: (True, 2), UINT16: (False, 2),
    INT32: (True, 4), UINT32: (False, 4), INT64: (True, 8), UINT64: (False, 8),
}
_KIND_BY_INT = {v: k for k, v in _INT_KINDS.items()}
_FLOAT_KINDS = {FLOAT32: ("f", 4), FLOAT64: ("d", 8)}


def _typecode(kind):
    if kind in _FLOAT_KINDS:
        return _FLOAT_KINDS[kind][0]
    signed, size = _INT_KINDS[kind]
    for code in "bhilq":
        code = code if signed else code.upper()
        if array.array(code).itemsize == size:
            return code
    raise ValueError("no array typecode for kind 0x%02x" % kind)


_TYPECODE = {kind: _typecode(kind) for kind in list(_INT_KINDS) + list(_FLOAT_KINDS)}
_ITEMSIZE = {kind: array.array(code).itemsize for kind, code in _TYPECODE.items()}
_BIG_ENDIAN = sys.byteorder == "big"


def _format_kind(fmt, itemsize):
    """The kind of a struct/array format character, or None."""
    fmt = fmt.lstrip("@=<")
    if fmt in ("f", "d"):
        return FLOAT32 if fmt == "f" else FLOAT64
    if len(fmt) == 1 and fmt in "bhilqnBHILQN":
        return _KIND_BY_INT.get((fmt.islower(), itemsize))
    return None


def encode_value(value):
    """Returns (kind, bytes-like payload). Raises TypeError for values that cannot be sent."""
    if isinstance(value, str):
        return TEXT, value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return BYTES, value
    if isinstance(value, ArrowData):
        return ARROW, value.ipc
    if isinstance(value, array.array):
        kind = _format_kind(value.typecode, value.itemsize)
        if kind is None:
            raise TypeError("cannot send an array of typecode %r" % value.typecode)
        if _BIG_ENDIAN:
            value = array.array(value.typecode, value)
            value.byteswap()
        return kind, memoryview(value).cast("B")
    if isinstance(value, memoryview):
        return _encode_memoryview(value)
    module = type(value).__module__ or ""
    if module.startswith("numpy") and hasattr(value, "dtype") and getattr(value, "ndim", 0) > 0:
        try:
            return _encode_numpy(value)
        except TypeError:
            if not _pyarrow_importable():
                raise
            from . import _arrow

            return _arrow.encode_any(value)  # bool, datetime, string dtypes...
    if module.startswith("pyarrow"):
        from . import _arrow

        return _arrow.encode(value)
    if module.startswith("numpy") and hasattr(value, "item"):
        value = value.item()  # a numpy scalar
    try:
        return JSON, encode_json(value)
    except TypeError:
        # Lists of what JSON cannot hold (datetimes, bytes...) still make an Arrow array.
        if not isinstance(value, (list, tuple)) or not _pyarrow_importable():
            raise
        from . import _arrow

        return _arrow.encode_any(value)


def _pyarrow_importable():
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _encode_memoryview(view):
    fmt = view.format.lstrip("@=<")
    if fmt in ("B", "c"):
        kind = BYTES
    else:
        kind = _format_kind(fmt, view.itemsize)
        if kind is None:
            raise TypeError("cannot send a memoryview of format %r" % view.format)
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    data = view.cast("B") if view.ndim != 1 or view.format != "B" else view
    if _BIG_ENDIAN and kind not in (BYTES, INT8, UINT8):
        copy = array.array(_TYPECODE[kind], data.tobytes())
        copy.byteswap()
        data = memoryview(copy).cast("B")
    return kind, data


def _encode_numpy(arr):
    import numpy as np  # only reached when the value is a numpy array

    dtype = arr.dtype
    if dtype.kind == "f" and dtype.itemsize in (4, 8):
        kind = FLOAT32 if dtype.itemsize == 4 else FLOAT64
    elif dtype.kind in "iu":
        kind = _KIND_BY_INT.get((dtype.kind == "i", dtype.itemsize))
    else:
        kind = None
    if kind is None:
        raise TypeError(
            "cannot send a numpy array of dtype %s (use an int, uint or float dtype)" % dtype
        )
    arr = np.ascontiguousarray(arr, dtype=dtype.newbyteorder("<"))
    return kind, memoryview(arr).cast("B")


def encode_json(value):
    """Compact UTF-8 JSON; NaN and infinities are refused rather than silently changed."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise TypeError("cannot send %s as JSON: %s" % (type(value).__name__, err)) from None
    return text.encode("utf-8")


class Array(array.array):
    """A received numeric array: an `array.array` that also answers the pyarrow-style calls
    dora nodes commonly make on their inputs."""

    __slots__ = ()

    def to_pylist(self):
        return self.tolist()

    def to_numpy(self, zero_copy_only=False):
        """A numpy view of the array (needs numpy)."""
        import numpy as np

        return np.frombuffer(self, dtype=self.typecode)


class ArrowData:
    """A received Arrow value (kind ARROW) in a process without pyarrow: its Arrow IPC stream
    bytes, which `send_output` forwards unchanged. Reading it needs pyarrow."""

    __slots__ = ("ipc",)

    def __init__(self, ipc):
        self.ipc = bytes(ipc)

    def _needs_pyarrow(self, *_args, **_kwargs):
        raise RuntimeError(
            "this input is Arrow data (strings, lists, structs, nulls...): reading it needs "
            "pyarrow in this node's Python (pip install pyarrow)"
        )

    to_pylist = to_numpy = as_py = _needs_pyarrow

    def __len__(self):
        self._needs_pyarrow()

    def __repr__(self):
        return "<dora ArrowData: %d bytes of Arrow IPC; install pyarrow to read it>" % len(self.ipc)


def decode_value(kind, data):
    """Decodes a payload (bytes-like) into bytes, str, a JSON value, an `Array` or (kind
    ARROW) an `ArrowData`."""
    if kind == BYTES:
        return bytes(data)
    if kind == TEXT:
        return str(data, "utf-8")
    if kind == JSON:
        return json.loads(str(data, "utf-8")) if len(data) else None
    if kind == ARROW:
        return ArrowData(data)
    code = _TYPECODE.get(kind)
    if code is None:
        raise ValueError("unknown value kind 0x%02x" % kind)
    if len(data) % _ITEMSIZE[kind]:
        raise ValueError(
            "array of kind 0x%02x has %d bytes, not a multiple of %d"
            % (kind, len(data), _ITEMSIZE[kind])
        )
    out = Array(code)
    out.frombytes(data)
    if _BIG_ENDIAN:
        out.byteswap()
    return out


def _scalar_param(v):
    if isinstance(v, bool) or isinstance(v, str) or isinstance(v, int):
        return True
    return isinstance(v, float) and math.isfinite(v)


_UTC = datetime.timezone.utc


def format_datetime(value):
    """RFC 3339 in UTC: milliseconds, or microseconds when it has them (JavaScript's
    toISOString() writes the same for a millisecond value). A naive datetime is local time."""
    utc = value.astimezone(_UTC)
    fraction = "%03d" % (utc.microsecond // 1000) if utc.microsecond % 1000 == 0 else \
        "%06d" % utc.microsecond
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"


def parse_datetime(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(_UTC)


def encode_parameters(params):
    """UTF-8 JSON of metadata parameters; b"" when there are none. A datetime is written
    {"datetime": "<RFC 3339>"}; a "timestamp" key is left out (every message carries its own
    timestamp in its header; receivers put that one in metadata["timestamp"])."""
    if not params:
        return b""
    if not isinstance(params, dict):
        raise TypeError(
            "metadata must be a dict of bool, int, float, str, datetime or lists of these"
        )
    out = None
    for key, v in params.items():
        if not isinstance(key, str):
            raise TypeError("metadata keys must be strings, got %r" % (key,))
        if key == "timestamp" or isinstance(v, datetime.datetime):
            if out is None:
                out = dict(params)
            if key == "timestamp":
                del out[key]
            else:
                out[key] = {"datetime": format_datetime(v)}
            continue
        if _scalar_param(v):
            continue
        if isinstance(v, (list, tuple)) and all(_scalar_param(x) for x in v):
            continue
        raise TypeError(
            "metadata parameter %r must be a bool, int, float, str, datetime or a list of "
            "bools, ints, floats or strs" % key
        )
    if out is not None:
        if not out:
            return b""
        params = out
    return json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_parameters(data):
    if not len(data):
        return {}
    params = json.loads(str(data, "utf-8"))
    if not isinstance(params, dict):
        raise ValueError("metadata parameters are not a JSON object")
    for key, v in params.items():
        if isinstance(v, dict):
            text = v.get("datetime")
            try:
                params[key] = parse_datetime(text)
            except (TypeError, ValueError, AttributeError):
                raise ValueError(
                    "metadata parameter %r is an object but not a datetime" % key
                ) from None
    return params


def frame(frame_type, body=b""):
    """A complete frame with a bytes body."""
    return FRAME_HEAD.pack(len(body) + 1, frame_type) + body


def message_head(frame_type, ident, kind, timestamp_ns, params, payload_len, shm_name=None):
    """Everything of an OUTPUT/INPUT frame before the inline payload (or the whole frame, for a
    shared-memory reference). Send the payload right after it."""
    ident = ident.encode("utf-8")
    flags = FLAG_SHM if shm_name is not None else 0
    if shm_name is not None:
        name = shm_name.encode("utf-8")
        tail = SHM_LEN.pack(payload_len) + name
        payload_len = 0
    else:
        tail = b""
    length = 1 + 2 + len(ident) + MESSAGE_HEAD.size + len(params) + len(tail) + payload_len
    if length > MAX_FRAME:
        raise ValueError("message too large for one frame (%d bytes)" % length)
    return b"".join((
        FRAME_HEAD.pack(length, frame_type),
        ID_LEN.pack(len(ident)),
        ident,
        MESSAGE_HEAD.pack(kind, flags, timestamp_ns, len(params)),
        params,
        tail,
    ))


_HEAD_SIZE = MESSAGE_HEAD.size
_unpack_head = MESSAGE_HEAD.unpack_from


def decode_identified(body):
    """Decodes an OUTPUT/INPUT body: (id, kind, flags, timestamp_ns, params view, payload
    view, shm (name, length) or None). One pass: this runs for every message a node gets."""
    size = len(body)
    if size < 2:
        raise ValueError("message frame too short")
    head = 2 + (body[0] | body[1] << 8)
    if size < head + _HEAD_SIZE:
        raise ValueError("message frame too short")
    kind, flags, ts, plen = _unpack_head(body, head)
    start = head + _HEAD_SIZE
    end = start + plen
    if end > size:
        raise ValueError("message parameters overrun the frame")
    ident = str(body[2:head], "utf-8")
    if not flags & FLAG_SHM:
        return ident, kind, flags, ts, body[start:end], body[end:], None
    if size < end + 8:
        raise ValueError("shared-memory reference too short")
    (length,) = SHM_LEN.unpack_from(body, end)
    return ident, kind, flags, ts, body[start:end], body[0:0], (str(body[end + 8:], "utf-8"), length)


def parse_frames(buf, end, on_frame):
    """Calls on_frame(type, body memoryview) for each complete frame in buf[:end].

    Returns (bytes consumed, total size of the next incomplete frame or 0)."""
    view = memoryview(buf)
    at = 0
    while end - at >= 4:
        (length,) = struct.unpack_from("<I", buf, at)
        if length < 1 or length > MAX_FRAME:
            raise ValueError("bad frame length %d" % length)
        if end - at - 4 < length:
            return at, length + 4
        on_frame(buf[at + 4], view[at + 5:at + 4 + length])
        at += 4 + length
    return at, 0
