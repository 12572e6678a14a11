"""Visualizer: draws every tenth detection as a small ASCII picture and, at the end, prints a
summary. Ends when the detector is gone (INPUT_CLOSED, then STOP)."""

from dora import Node

WIDTH, HEIGHT, SCALE = 64, 48, 4

node = Node()
seen = 0
for event in node:
    if event["type"] == "INPUT":
        # float32 values: a pyarrow FloatArray where pyarrow is installed, else an array.array
        x0, y0, x1, y1, confidence = event["value"].to_pylist()
        frame = event["metadata"]["frame"]
        seen += 1
        if frame % 10 == 0:
            print("frame %2d: object at (%d,%d)-(%d,%d), confidence %.2f"
                  % (frame, x0, y0, x1, y1, confidence))
            for row in range(0, HEIGHT, SCALE):
                line = "".join(
                    "#" if x0 <= col <= x1 and y0 <= row <= y1 else "."
                    for col in range(0, WIDTH, SCALE // 2)
                )
                print("  " + line)
    elif event["type"] == "STOP":
        break
print("visualizer: %d detections drawn, done" % seen)
