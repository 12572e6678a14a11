"""Simulated camera: on every tick, renders a 64x48 grayscale frame with one bright square
moving across a noisy background and sends it on `image` (raw bytes, with its size in the
metadata). Stops after FRAMES frames (default 30), which ends the whole dataflow."""

import os
import random

from dora import Node

WIDTH, HEIGHT, SIZE = 64, 48, 8
FRAMES = int(os.environ.get("FRAMES", "30"))


def render(n):
    """The square's top-left corner moves along a diagonal, bouncing off the edges."""
    x = (n * 3) % (2 * (WIDTH - SIZE))
    x = x if x < WIDTH - SIZE else 2 * (WIDTH - SIZE) - x
    y = (n * 2) % (2 * (HEIGHT - SIZE))
    y = y if y < HEIGHT - SIZE else 2 * (HEIGHT - SIZE) - y
    pixels = bytearray(random.randrange(0, 60) for _ in range(WIDTH * HEIGHT))
    for row in range(y, y + SIZE):
        pixels[row * WIDTH + x:row * WIDTH + x + SIZE] = b"\xf0" * SIZE
    return bytes(pixels), (x, y)


node = Node()
sent = 0
for event in node:
    if event["type"] != "INPUT" or event["id"] != "tick":
        continue
    frame, truth = render(sent)
    node.send_output("image", frame, {
        "frame": sent, "width": WIDTH, "height": HEIGHT, "encoding": "mono8",
        "truth": [truth[0], truth[1]],
    })
    sent += 1
    if sent == FRAMES:
        break
print("camera: sent %d frames" % sent)
