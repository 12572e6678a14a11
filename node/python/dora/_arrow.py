"""Values as pyarrow arrays, the way dora delivers them (docs/protocol.md, "Values").

Imported only when pyarrow is installed (and not turned off with DORA_PYARROW=0). Every kind
becomes a `pyarrow.Array`: bytes an UInt8Array, text a StringArray of one string, a JSON value
`pa.array(...)` of it, numeric arrays the matching primitive array (a view of the received
bytes, not a copy), and Arrow data (kind ARROW, an Arrow IPC stream) exactly the array that was
sent. Sending keeps types: numeric arrays without nulls and single strings go out as the fast
kinds, everything else as an Arrow IPC stream.
"""

import json

import pyarrow as pa

from . import _protocol as p

# Primitive types that travel as the protocol's own numeric kinds (little-endian hosts).
_KIND_OF_TYPE = {
    pa.int8(): p.INT8, pa.uint8(): p.UINT8, pa.int16(): p.INT16, pa.uint16(): p.UINT16,
    pa.int32(): p.INT32, pa.uint32(): p.UINT32, pa.int64(): p.INT64, pa.uint64(): p.UINT64,
    pa.float32(): p.FLOAT32, pa.float64(): p.FLOAT64,
}
_TYPE_OF_KIND = {kind: t for t, kind in _KIND_OF_TYPE.items()}
_STRING = pa.string()
_FIELD = "value"


def encode(value):
    """(kind, payload) for a pyarrow object: an Array, ChunkedArray, RecordBatch (sent as a
    StructArray), Table (likewise) or Scalar (an array of one)."""
    if isinstance(value, pa.ChunkedArray):
        value = _combine(value)
    elif isinstance(value, pa.RecordBatch):
        value = value.to_struct_array()
    elif isinstance(value, pa.Table):
        value = _combine(value.to_struct_array())
    elif isinstance(value, pa.Scalar):
        value = pa.array([value.as_py()], type=value.type)
    if not isinstance(value, pa.Array):
        raise TypeError("cannot send a %s" % type(value).__name__)
    kind = _KIND_OF_TYPE.get(value.type)
    if kind is not None and value.null_count == 0 and not p._BIG_ENDIAN:
        size = p._ITEMSIZE[kind]
        data = value.buffers()[1]
        if data is None:  # an empty array may have no buffer at all
            return kind, b""
        start = value.offset * size
        return kind, memoryview(data)[start:start + len(value) * size]
    if value.type == _STRING and len(value) == 1 and value.null_count == 0:
        return p.TEXT, value[0].as_py().encode("utf-8")
    if value.type == pa.null() and len(value) == 0:
        return p.JSON, b"null"
    return p.ARROW, ipc_stream(value)


def encode_any(value):
    """A value pyarrow can make an array of (a list of datetimes, a numpy bool array...)."""
    try:
        array = pa.array(value)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
        raise TypeError("cannot send %s: %s" % (type(value).__name__, err)) from None
    return encode(array)


def _combine(chunked):
    if chunked.num_chunks == 1:
        return chunked.chunk(0)
    return chunked.combine_chunks()


def ipc_stream(array):
    """An Arrow IPC stream of one record batch with the array as its only column."""
    batch = pa.RecordBatch.from_arrays([array], names=[_FIELD])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return memoryview(sink.getvalue())


def read_ipc_stream(data):
    """The array of an Arrow IPC stream (the first column; batches joined if there are more)."""
    reader = pa.ipc.open_stream(pa.py_buffer(data))
    if len(reader.schema) != 1:
        raise ValueError("an Arrow value has exactly one column, found %d" % len(reader.schema))
    chunks = [batch.column(0) for batch in reader]
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        return pa.array([], type=reader.schema.field(0).type)
    return pa.concat_arrays(chunks)


def decode(kind, data):
    """A pyarrow.Array for a received payload. `data` must be owned by the caller (bytes),
    since arrays of the numeric kinds are views of it."""
    if kind == p.ARROW:
        try:
            return read_ipc_stream(data)
        except pa.ArrowException as err:
            raise ValueError("invalid Arrow IPC stream: %s" % err) from None
    if kind == p.BYTES:
        return pa.Array.from_buffers(pa.uint8(), len(data), [None, pa.py_buffer(data)])
    if kind == p.TEXT:
        return pa.array([str(data, "utf-8")], type=_STRING)
    if kind == p.JSON:
        text = str(data, "utf-8")
        return from_json(json.loads(text) if text else None, text)
    t = _TYPE_OF_KIND.get(kind)
    if t is None:
        raise ValueError("unknown value kind 0x%02x" % kind)
    size = p._ITEMSIZE[kind]
    if len(data) % size:
        raise ValueError(
            "array of kind 0x%02x has %d bytes, not a multiple of %d" % (kind, len(data), size)
        )
    return pa.Array.from_buffers(t, len(data) // size, [None, pa.py_buffer(data)])


def from_json(value, text):
    """What a JSON value becomes: null (a timer tick) an empty NullArray, as dora gives ticks;
    a list `pa.array(list)`; any other value an array of one. JSON pyarrow cannot type (a list
    mixing numbers and strings) arrives as a StringArray holding the JSON text."""
    if value is None:
        return pa.nulls(0)
    try:
        return pa.array(value if isinstance(value, list) else [value])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return pa.array([text], type=_STRING)
