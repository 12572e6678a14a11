/**
 * The few libc calls Deno does not offer: `mkfifo`, non-blocking `open`/`read` of a FIFO, one
 * `poll` over all of them, and the CPU affinity of the calling thread. Deno reads files (FIFOs included) on its blocking thread pool, one
 * thread per pending read and about 32 threads in all, so 16 nodes with two output FIFOs each
 * would starve every other file operation of the process. One `poll` on one thread scales.
 * Linux only (the runtime also relies on /proc).
 */

const O_RDONLY = 0;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

/** poll(2) event bits. */
export const POLLIN = 0x1;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

const SYMBOLS = {
  mkfifo: { parameters: ["buffer", "u32"], result: "i32" },
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  sched_getaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
  sched_setaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

let lib: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | undefined;

function libc(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] {
  if (lib) return lib;
  if (Deno.build.os !== "linux") {
    throw new Error(`running nodes is supported on Linux only (this is ${Deno.build.os})`);
  }
  lib = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return lib;
}

const encoder = new TextEncoder();
const cString = (text: string) => encoder.encode(`${text}\0`);

/** The calling thread's errno (FFI calls that are not `nonblocking` run on this thread). */
export function errno(): number {
  const ptr = libc().__errno_location();
  return ptr === null ? 0 : new Deno.UnsafePointerView(ptr).getInt32();
}

/** Creates a FIFO; throws with the errno on failure. */
export function mkfifo(path: string, mode = 0o600): void {
  if (libc().mkfifo(cString(path), mode) !== 0) {
    throw new Error(`cannot create FIFO ${path} (errno ${errno()})`);
  }
}

/** Opens `path` for non-blocking reading (never blocks, even on a FIFO without writers). */
export function openNonBlockingRead(path: string): number {
  const fd = libc().open(cString(path), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) throw new Error(`cannot open ${path} (errno ${errno()})`);
  return fd;
}

/** Bytes read into `buf`; 0 at end of file; -1 when nothing is available now (or an error). */
export function readFd(fd: number, buf: Uint8Array): number {
  return Number(libc().read(fd, buf, BigInt(buf.length)));
}

/** Writes `bytes`; returns how many were written or -1. */
export function writeFd(fd: number, bytes: Uint8Array): number {
  return Number(libc().write(fd, bytes, BigInt(bytes.length)));
}

/** Closes a descriptor opened here. */
export function closeFd(fd: number): void {
  libc().close(fd);
}

/** A non-blocking, close-on-exec pipe: `[readFd, writeFd]`. */
export function makePipe(): [number, number] {
  const fds = new Int32Array(2);
  if (libc().pipe2(new Uint8Array(fds.buffer), O_NONBLOCK | O_CLOEXEC) !== 0) {
    throw new Error(`cannot create pipe (errno ${errno()})`);
  }
  return [fds[0]!, fds[1]!];
}

/**
 * poll(2) on a packed `struct pollfd[]` (8 bytes each: fd i32, events i16, revents i16), on a
 * worker thread. Resolves with poll's result; the buffer must not change until then.
 */
export function pollFds(pollfds: Uint8Array, count: number, timeoutMs: number): Promise<number> {
  return libc().poll(pollfds, BigInt(count), timeoutMs);
}

/** Bytes of a CPU mask: `CPU_SETSIZE` (1024) bits. */
const CPU_MASK_BYTES = 128;

/** The CPU cores the calling thread may run on. */
export function threadAffinity(): number[] {
  const mask = new Uint8Array(CPU_MASK_BYTES);
  if (libc().sched_getaffinity(0, BigInt(mask.length), mask) !== 0) {
    throw new Error(`cannot read the CPU affinity (errno ${errno()})`);
  }
  const cores: number[] = [];
  for (let i = 0; i < mask.length * 8; i++) if (mask[i >> 3]! & (1 << (i & 7))) cores.push(i);
  return cores;
}

/**
 * Sets the CPU cores the calling thread (the JS thread: FFI calls that are not `nonblocking`
 * run on it) may run on. A process it spawns next inherits them: that is how a node gets its
 * `cpu_affinity` before it execs.
 */
export function setThreadAffinity(cores: number[]): void {
  const mask = new Uint8Array(CPU_MASK_BYTES);
  for (const core of cores) {
    if (core >= 0 && core < mask.length * 8) mask[core >> 3]! |= 1 << (core & 7);
  }
  if (libc().sched_setaffinity(0, BigInt(mask.length), mask) !== 0) {
    throw new Error(`cannot set the CPU affinity to ${cores.join(",")} (errno ${errno()})`);
  }
}

/**
 * Whether the reader of the pipe `fd` writes to has gone (poll reports POLLERR for a pipe
 * whose read end is closed). False for terminals, files and pipes that are still read.
 */
export async function readerGone(fd: number): Promise<boolean> {
  const pollfd = new Uint8Array(8);
  new DataView(pollfd.buffer).setInt32(0, fd, true);
  const ready = await pollFds(pollfd, 1, 0);
  if (ready <= 0) return false;
  return (new DataView(pollfd.buffer).getInt16(6, true) & POLLERR) !== 0;
}
