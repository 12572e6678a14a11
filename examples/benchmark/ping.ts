/**
 * Benchmark driver (TypeScript). Latency mode: sends a payload on `ping`, waits for the echo on
 * `pong`, and reports half the round trip (p50/p99) per payload size. Throughput mode: sends
 * BENCH_COUNT payloads as fast as it can and exits; `pong` measures the rate.
 * Results are printed as `@{...}` JSON lines followed by a readable summary.
 */
import { Node } from "../../node/ts/mod.ts";

const env = (name: string, fallback: string) => Deno.env.get(name) || fallback;
const mode = env("BENCH_MODE", "latency");
const sizes = env("BENCH_SIZES", "8,4096,65536,1048576,4194304").split(",").map(Number);
const node = await Node.init();
// `deno task bench` starts measuring only once its tap is attached (it creates this file).
const waitFile = Deno.env.get("BENCH_WAIT_FILE");
while (waitFile && !(await Deno.stat(waitFile).then(() => true, () => false))) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}

function iterations(size: number): number {
  const fixed = Number(Deno.env.get("BENCH_ITERS"));
  if (fixed > 0) return fixed;
  return size <= 65536 ? 2000 : size <= 1048576 ? 300 : 100;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

if (mode === "throughput") {
  const count = Number(env("BENCH_COUNT", "20000"));
  const payload = new Uint8Array(sizes[0]!).fill(7);
  for (let i = 0; i < count; i++) await node.sendOutput("ping", payload);
} else {
  for (const size of sizes) {
    const payload = new Uint8Array(size).fill(1);
    const n = iterations(size);
    const warmup = Math.min(50, n);
    const samples: number[] = [];
    for (let i = 0; i < n + warmup; i++) {
      const start = performance.now();
      await node.sendOutput("ping", payload);
      const event = await node.next();
      if (event?.type !== "INPUT") throw new Error(`expected the echo, got ${event?.type}`);
      if (i >= warmup) samples.push(((performance.now() - start) * 1000) / 2);
    }
    samples.sort((a, b) => a - b);
    const result = {
      lang: "ts",
      size,
      n,
      p50: percentile(samples, 0.5),
      p99: percentile(samples, 0.99),
    };
    console.log(`@${JSON.stringify(result)}`);
    console.log(
      `ts latency ${size} B: p50 ${result.p50.toFixed(1)} µs, p99 ${result.p99.toFixed(1)} µs`,
    );
  }
}
await node.close();
