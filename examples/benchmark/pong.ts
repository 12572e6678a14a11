/**
 * Benchmark responder (TypeScript). Latency mode: echoes every `ping` back on `pong`.
 * Throughput mode: counts messages and, when the sender is done, reports the rate from the
 * moment the first message was sent (its timestamp) to the arrival of the last one.
 */
import { Node } from "../../node/ts/mod.ts";

const mode = Deno.env.get("BENCH_MODE") || "latency";
const node = await Node.init();
let count = 0;
let firstSent = 0;
let last = 0;
let bytes = 0;
for await (const event of node) {
  if (event.type !== "INPUT") continue;
  if (mode === "throughput") {
    last = performance.timeOrigin + performance.now();
    if (count === 0) firstSent = event.timestamp;
    count++;
    bytes += (event.value as Uint8Array).byteLength;
  } else {
    await node.sendOutput("pong", event.value);
  }
}
if (mode === "throughput") {
  const seconds = (last - firstSent) / 1000;
  const rate = count / seconds;
  const result = { lang: "ts", count, seconds, rate, bytesPerSecond: bytes / seconds };
  console.log(`@${JSON.stringify(result)}`);
  console.log(`ts throughput: ${count} messages, ${Math.round(rate)} msg/s`);
}
