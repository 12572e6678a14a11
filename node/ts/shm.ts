/**
 * Large payloads travel through files in a private shared-memory folder (tmpfs, /dev/shm):
 * the sender writes the bytes into a file it owns, the frame carries only the file name, the
 * receivers read it. Files are reused once the daemon says every receiver has read them (FREE),
 * because writing into already-allocated pages is several times cheaper than into new ones.
 */

/** Free files a sender keeps for reuse; more are deleted. */
const KEEP_FREE = 4;
/** Open read handles a receiver keeps (senders reuse names, so handles get reused too). */
const KEEP_OPEN = 8;

interface ShmFile {
  name: string;
  file: Deno.FsFile;
  capacity: number;
}

/** The sender side: a pool of reusable files named `<prefix>.<n>`. */
export class ShmWriter {
  #dir: string;
  #prefix: string;
  #next = 0;
  #free: ShmFile[] = [];
  #busy = new Map<string, ShmFile>();

  constructor(dir: string, prefix: string) {
    this.#dir = dir;
    this.#prefix = prefix;
  }

  /** Writes `data` into a free (or new) file and returns the file's name. */
  write(data: Uint8Array): string {
    let entry = this.#pick(data.length);
    if (!entry) {
      const name = `${this.#prefix}.${this.#next++}`;
      const file = Deno.openSync(`${this.#dir}/${name}`, {
        read: true,
        write: true,
        createNew: true,
        mode: 0o600,
      });
      entry = { name, file, capacity: 0 };
    }
    try {
      entry.file.seekSync(0, Deno.SeekMode.Start);
      let at = 0;
      while (at < data.length) at += entry.file.writeSync(data.subarray(at));
    } catch (err) {
      this.#discard(entry);
      throw err;
    }
    entry.capacity = Math.max(entry.capacity, data.length);
    this.#busy.set(entry.name, entry);
    return entry.name;
  }

  #pick(size: number): ShmFile | undefined {
    if (this.#free.length === 0) return undefined;
    // Prefer a file already big enough: no new pages to allocate.
    let best = this.#free.length - 1;
    for (let i = 0; i < this.#free.length; i++) {
      if (this.#free[i]!.capacity >= size) {
        best = i;
        break;
      }
    }
    return this.#free.splice(best, 1)[0];
  }

  /** Every receiver has read `name`: the file may be reused. Unknown names are ignored. */
  release(name: string): void {
    const entry = this.#busy.get(name);
    if (!entry) return;
    this.#busy.delete(name);
    this.#free.push(entry);
    if (this.#free.length > KEEP_FREE) {
      // Drop the smallest: big files are the expensive ones to recreate.
      this.#free.sort((a, b) => b.capacity - a.capacity);
      this.#discard(this.#free.pop()!);
    }
  }

  #discard(entry: ShmFile): void {
    try {
      entry.file.close();
    } catch {
      // already closed
    }
    try {
      Deno.removeSync(`${this.#dir}/${entry.name}`);
    } catch {
      // the daemon may have removed the folder already
    }
  }

  /** Closes handles and deletes free files; files still being read are the daemon's to delete. */
  close(): void {
    for (const entry of this.#free.splice(0)) this.#discard(entry);
    for (const entry of this.#busy.values()) {
      try {
        entry.file.close();
      } catch {
        // already closed
      }
    }
    this.#busy.clear();
  }
}

/** The receiver side: reads a file's first `length` bytes into a new buffer. */
export class ShmReader {
  #dir: string;
  #open = new Map<string, Deno.FsFile>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** A copy of the payload, owned by the caller. */
  read(name: string, length: number): Uint8Array {
    if (name.includes("/") || name.startsWith(".")) {
      throw new RangeError(`invalid shared-memory name '${name}'`);
    }
    let file = this.#open.get(name);
    if (file) {
      this.#open.delete(name); // re-inserted below: most recently used last
    } else {
      file = Deno.openSync(`${this.#dir}/${name}`, { read: true });
      if (this.#open.size >= KEEP_OPEN) {
        const [oldest, handle] = this.#open.entries().next().value!;
        this.#open.delete(oldest);
        handle.close();
      }
    }
    this.#open.set(name, file);
    const out = new Uint8Array(length);
    file.seekSync(0, Deno.SeekMode.Start);
    let at = 0;
    while (at < length) {
      const n = file.readSync(out.subarray(at));
      if (n === null) {
        throw new RangeError(`shared-memory file '${name}' is shorter than ${length}`);
      }
      at += n;
    }
    return out;
  }

  /** Closes every handle. */
  close(): void {
    for (const file of this.#open.values()) file.close();
    this.#open.clear();
  }
}
