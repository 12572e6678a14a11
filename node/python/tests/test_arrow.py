"""Values as pyarrow arrays (dora._arrow): what is sent as which kind, what each kind becomes,
and that numeric arrays are views of the received bytes. Skipped without pyarrow."""

import importlib.util
import unittest

from dora import _protocol as p

HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


@unittest.skipUnless(HAS_PYARROW, "pyarrow not installed")
class Sending(unittest.TestCase):
    def setUp(self):
        global pa, np, _arrow
        import numpy as np
        import pyarrow as pa
        from dora import _arrow

    def kind(self, value):
        return p.encode_value(value)[0]

    def test_fast_kinds_when_they_keep_the_type(self):
        self.assertEqual(self.kind(pa.array([1, 2], pa.int16())), p.INT16)
        self.assertEqual(self.kind(pa.array([1.5], pa.float32())), p.FLOAT32)
        self.assertEqual(self.kind(pa.array([1, 2], pa.uint8())), p.UINT8)
        self.assertEqual(self.kind(pa.array(["one"])), p.TEXT)
        self.assertEqual(p.encode_value(pa.nulls(0)), (p.JSON, b"null"))
        kind, data = p.encode_value(pa.array([1, 2, 3, 4], pa.int32()).slice(1, 2))
        self.assertEqual((kind, bytes(data)), (p.INT32, np.array([2, 3], np.int32).tobytes()))

    def test_everything_else_is_an_arrow_stream(self):
        for value in (pa.array([1, None]), pa.array(["a", "b"]), pa.array([True]),
                      pa.array([b"x"]), pa.array([[1]]), pa.array([{"a": 1}]),
                      pa.array(["x"], pa.large_string()), pa.array([1.0], pa.float16())):
            with self.subTest(str(value.type)):
                kind, data = p.encode_value(value)
                self.assertEqual(kind, p.ARROW)
                back = _arrow.decode(kind, bytes(data))
                self.assertEqual(back.type, value.type)
                self.assertEqual(back.to_pylist(), value.to_pylist())

    def test_other_pyarrow_containers(self):
        chunked = pa.chunked_array([[1, None], [3]])
        self.assertEqual(_arrow.decode(*self.sent(chunked)).to_pylist(), [1, None, 3])
        batch = pa.RecordBatch.from_pydict({"x": [1], "y": ["a"]})
        self.assertEqual(_arrow.decode(*self.sent(batch)).to_pylist(), [{"x": 1, "y": "a"}])
        self.assertEqual(_arrow.decode(*self.sent(pa.scalar(5, pa.int8()))).type, pa.int8())

    def sent(self, value):
        kind, data = p.encode_value(value)
        return kind, bytes(data)

    def test_lists_of_what_json_cannot_hold_become_arrow(self):
        import datetime

        when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        kind, data = p.encode_value([when])
        self.assertEqual(kind, p.ARROW)
        self.assertTrue(pa.types.is_timestamp(_arrow.decode(kind, bytes(data)).type))


@unittest.skipUnless(HAS_PYARROW, "pyarrow not installed")
class Receiving(unittest.TestCase):
    def setUp(self):
        global pa, np, _arrow
        import numpy as np
        import pyarrow as pa
        from dora import _arrow

    def test_each_kind_becomes_an_array_as_dora_gives_it(self):
        self.assertEqual(_arrow.decode(p.BYTES, b"\x01\x02").type, pa.uint8())
        self.assertEqual(_arrow.decode(p.TEXT, "hé".encode()).to_pylist(), ["hé"])
        tick = _arrow.decode(p.JSON, b"null")
        self.assertEqual((tick.type, len(tick)), (pa.null(), 0))
        self.assertEqual(_arrow.decode(p.JSON, b"[1,2]").type, pa.int64())
        self.assertEqual(_arrow.decode(p.JSON, b'{"a":1}').to_pylist(), [{"a": 1}])
        self.assertEqual(_arrow.decode(p.JSON, b'[1,"x"]').to_pylist(), ['[1,"x"]'])
        self.assertEqual(_arrow.decode(p.FLOAT64, np.array([1.5]).tobytes()).type, pa.float64())
        with self.assertRaises(ValueError):
            _arrow.decode(p.INT32, b"\x00\x00\x00")
        with self.assertRaises(ValueError):
            _arrow.decode(p.ARROW, b"not arrow")

    def test_numeric_arrays_are_views_of_the_received_bytes(self):
        data = np.arange(1000, dtype=np.int32).tobytes()
        array = _arrow.decode(p.INT32, data)
        self.assertEqual(array.buffers()[1].address, pa.py_buffer(data).address)
        self.assertEqual(array.to_numpy(zero_copy_only=True)[999], 999)


if __name__ == "__main__":
    unittest.main()
