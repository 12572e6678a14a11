"""What an operator's `on_event` returns (dora's `DoraStatus`)."""

import enum


class DoraStatus(enum.Enum):
    CONTINUE = 0  # keep going
    STOP = 1  # stop this operator (its process exits; its outputs close)
    STOP_ALL = 2  # stop the whole dataflow, as `dora stop` does
