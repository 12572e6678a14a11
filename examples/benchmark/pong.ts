/**
 * Benchmark responder (TypeScript). Latency mode: echoes every `ping` back on `pong`.
 * Throughput mode: counts messages and reports the rate when the sender is done.
 */
import { Node } from "../../node/ts/mod.ts";

const mode = Deno.env.get("BENCH_MODE") || "latency";
const node = await Node.init();
let count = 0;
let first = 0;
let last = 0;
let bytes = 0;
for await (const event of node) {
  if (event.type !== "INPUT") continue;
  if (mode === "throughput") {
    last = performance.now();
    if (count === 0) first = last;
    count++;
    bytes += (event.value as Uint8Array).byteLength;
  } else {
    await node.sendOutput("pong", event.value);
  }
}
if (mode === "throughput") {
  const seconds = (last - first) / 1000;
  // The first message starts the clock, so it is not counted in the rate.
  const rate = count > 1 ? (count - 1) / seconds : 0;
  const result = {
    lang: "ts",
    count,
    seconds,
    rate,
    bytesPerSecond: count > 1 ? bytes / seconds : 0,
  };
  console.log(`@${JSON.stringify(result)}`);
  console.log(`ts throughput: ${count} messages, ${Math.round(rate)} msg/s`);
}
