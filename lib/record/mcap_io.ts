/**
 * Files for the MCAP library: a writable that streams to disk (nothing but the chunk being
 * built stays in memory) and a seekable readable for the indexed reader.
 */
import type { IWritable } from "../../deps/mcap.ts";

/** An `IWritable` appending to an open file. */
export class FileWritable implements IWritable {
  #position = 0n;
  constructor(private readonly file: Deno.FsFile) {}

  async write(buffer: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buffer.length) done += await this.file.write(buffer.subarray(done));
    this.#position += BigInt(buffer.length);
  }

  position(): bigint {
    return this.#position;
  }
}

/** An `IReadable` (size, read at an offset) over an open file. */
export class FileReadable {
  constructor(private readonly file: Deno.FsFile, private readonly bytes: bigint) {}

  static async open(path: string): Promise<FileReadable> {
    const file = await Deno.open(path, { read: true });
    const { size } = await file.stat();
    return new FileReadable(file, BigInt(size));
  }

  size(): Promise<bigint> {
    return Promise.resolve(this.bytes);
  }

  async read(offset: bigint, length: bigint): Promise<Uint8Array> {
    const out = new Uint8Array(Number(length));
    await this.file.seek(offset, Deno.SeekMode.Start);
    let done = 0;
    while (done < out.length) {
      const n = await this.file.read(out.subarray(done));
      if (n === null) throw new Error(`unexpected end of file at ${Number(offset) + done}`);
      done += n;
    }
    return out;
  }

  close(): void {
    this.file.close();
  }
}
