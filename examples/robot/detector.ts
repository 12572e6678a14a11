/**
 * Detector: finds the bright object in each camera frame (pixels above a threshold) and sends
 * its bounding box on `bbox` as a Float32Array [x_min, y_min, x_max, y_max, confidence], with
 * the frame number carried over. Ends when the camera is gone (INPUT_CLOSED, then STOP).
 */
import { Node } from "../../node/ts/mod.ts";

const THRESHOLD = 200;
const node = await Node.init();
let detections = 0;

for await (const event of node) {
  if (event.type === "INPUT" && event.id === "image") {
    const pixels = event.value as Uint8Array;
    const width = Number(event.metadata.width);
    let [xMin, yMin, xMax, yMax, hits] = [Infinity, Infinity, -1, -1, 0];
    for (let i = 0; i < pixels.length; i++) {
      if (pixels[i]! < THRESHOLD) continue;
      const x = i % width;
      const y = Math.floor(i / width);
      xMin = Math.min(xMin, x);
      yMin = Math.min(yMin, y);
      xMax = Math.max(xMax, x);
      yMax = Math.max(yMax, y);
      hits++;
    }
    if (hits === 0) continue;
    const area = (xMax - xMin + 1) * (yMax - yMin + 1);
    const bbox = new Float32Array([xMin, yMin, xMax, yMax, hits / area]);
    await node.sendOutput("bbox", bbox, { frame: event.metadata.frame as number });
    detections++;
  } else if (event.type === "INPUT_CLOSED") {
    console.log(`detector: input '${event.id}' closed after ${detections} detections`);
  }
}
