/**
 * The benchmark's baseline: one raw Unix-socket hop between two Deno processes, with the same
 * length-prefixed framing and payload sizes as the data plane, but no daemon in between. The
 * relay mode puts a do-nothing Deno process in the middle (bytes in, same bytes out), which is
 * the floor for any design that routes messages through a Deno daemon: two hops each way.
 *
 *   deno run -A scripts/bench_baseline.ts serve <socket>
 *   deno run -A scripts/bench_baseline.ts relay <socket> <upstream socket>
 *   deno run -A scripts/bench_baseline.ts latency <socket> <size> <iterations>
 *   deno run -A scripts/bench_baseline.ts throughput <socket> <size> <count>
 *
 * The client prints one `@{...}` JSON line with its result.
 */

async function readFull(conn: Deno.Conn, buf: Uint8Array): Promise<boolean> {
  let at = 0;
  while (at < buf.length) {
    const n = await conn.read(buf.subarray(at));
    if (n === null) return false;
    at += n;
  }
  return true;
}

async function writeFull(conn: Deno.Conn, buf: Uint8Array): Promise<void> {
  let at = 0;
  while (at < buf.length) at += await conn.write(buf.subarray(at));
}

function frame(size: number): Uint8Array {
  const buf = new Uint8Array(4 + size).fill(1);
  new DataView(buf.buffer).setUint32(0, size, true);
  return buf;
}

/** Echo server for latency, counter for throughput (mode sent as the first byte). */
async function serve(path: string): Promise<void> {
  const listener = Deno.listen({ transport: "unix", path });
  console.log("ready");
  const conn = await listener.accept();
  listener.close();
  const mode = new Uint8Array(1);
  if (!(await readFull(conn, mode))) return;
  const head = new Uint8Array(4);
  let count = 0;
  let first = 0;
  let last = 0;
  while (await readFull(conn, head)) {
    const size = new DataView(head.buffer).getUint32(0, true);
    const body = new Uint8Array(size);
    if (!(await readFull(conn, body))) break;
    if (mode[0] === 1) {
      await writeFull(conn, head);
      await writeFull(conn, body);
    } else {
      last = performance.now();
      if (count++ === 0) first = last;
    }
  }
  if (mode[0] === 2) {
    const seconds = (last - first) / 1000;
    console.log(
      `@${JSON.stringify({ count, seconds, rate: count > 1 ? (count - 1) / seconds : 0 })}`,
    );
  }
}

/** Accepts one client, connects it to `upstream`, and copies bytes both ways until either ends. */
async function relay(path: string, upstream: string): Promise<void> {
  const listener = Deno.listen({ transport: "unix", path });
  const client = await listener.accept();
  listener.close();
  const server = await Deno.connect({ transport: "unix", path: upstream });
  const pump = async (from: Deno.Conn, to: Deno.Conn) => {
    const buf = new Uint8Array(256 * 1024);
    for (;;) {
      const n = await from.read(buf).catch(() => null);
      if (n === null) return;
      await writeFull(to, buf.subarray(0, n));
    }
  };
  await Promise.race([pump(client, server), pump(server, client)]);
  client.close();
  server.close();
}

async function latency(path: string, size: number, n: number): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  await writeFull(conn, new Uint8Array([1]));
  const out = frame(size);
  const back = new Uint8Array(4 + size);
  const samples: number[] = [];
  const warmup = Math.min(50, n);
  for (let i = 0; i < n + warmup; i++) {
    const start = performance.now();
    await writeFull(conn, out);
    await readFull(conn, back);
    if (i >= warmup) samples.push(((performance.now() - start) * 1000) / 2);
  }
  conn.close();
  samples.sort((a, b) => a - b);
  const p = (q: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))];
  console.log(`@${JSON.stringify({ size, n, p50: p(0.5), p99: p(0.99) })}`);
}

async function throughput(path: string, size: number, count: number): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  await writeFull(conn, new Uint8Array([2]));
  const out = frame(size);
  for (let i = 0; i < count; i++) await writeFull(conn, out);
  conn.close();
}

const [mode, path, a, b] = Deno.args;
if (mode === "serve") await serve(path!);
else if (mode === "relay") await relay(path!, a!);
else if (mode === "latency") await latency(path!, Number(a), Number(b));
else if (mode === "throughput") await throughput(path!, Number(a), Number(b));
else {
  console.error("usage: bench_baseline.ts serve|relay|latency|throughput <socket> [size] [n]");
  Deno.exit(2);
}
