"""The operator runner's pieces that need no daemon (dora._operator)."""

import enum
import os
import tempfile
import unittest

from dora import DoraStatus
from dora._operator import load_operator_class, status_of


class Runner(unittest.TestCase):
    def test_statuses(self):
        self.assertIs(status_of(None, "op.py"), DoraStatus.CONTINUE)
        self.assertIs(status_of(DoraStatus.STOP_ALL, "op.py"), DoraStatus.STOP_ALL)
        self.assertIs(status_of(1, "op.py"), DoraStatus.STOP)

        class Other(enum.Enum):
            STOP = 1

        self.assertIs(status_of(Other.STOP, "op.py"), DoraStatus.STOP)
        with self.assertRaisesRegex(RuntimeError, "returned 'yes'"):
            status_of("yes", "op.py")

    def test_loading_finds_the_class_and_the_operators_own_modules(self):
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "helper_mod_for_test.py"), "w") as f:
                f.write("FACTOR = 3\n")
            path = os.path.join(folder, "my_op.py")
            with open(path, "w") as f:
                f.write("from helper_mod_for_test import FACTOR\n"
                        "class Operator:\n    factor = FACTOR\n")
            self.assertEqual(load_operator_class(path).factor, 3)
            empty = os.path.join(folder, "empty_op.py")
            with open(empty, "w") as f:
                f.write("x = 1\n")
            with self.assertRaisesRegex(RuntimeError, "defines no class 'Operator'"):
                load_operator_class(empty)


if __name__ == "__main__":
    unittest.main()
