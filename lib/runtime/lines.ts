/**
 * Splits a byte stream into text lines. A line longer than `maxBytes` without a newline is cut
 * into pieces of at most `maxBytes`, so memory stays bounded whatever a node prints. Pure.
 */

/** Default longest line kept in one piece. */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Accumulates chunks and returns complete lines (without `\n` or a trailing `\r`). */
export class LineSplitter {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #decoder = new TextDecoder();

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** Feeds bytes (copied as needed; the caller may reuse `chunk`); returns finished lines. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl < 0 ? chunk.length : nl;
      let piece = chunk.subarray(start, end);
      // Cut over-long lines: whatever fits next to the pending bytes is one line.
      while (this.#pendingBytes + piece.length > this.maxBytes) {
        const room = this.maxBytes - this.#pendingBytes;
        this.#keep(piece.subarray(0, room));
        lines.push(this.#take(false));
        piece = piece.subarray(room);
      }
      if (nl < 0) {
        if (piece.length > 0) this.#keep(piece);
        break;
      }
      this.#keep(piece);
      lines.push(this.#take(true));
      start = nl + 1;
    }
    return lines;
  }

  /** The unterminated rest, if any, as a last line (at end of stream). */
  flush(): string[] {
    return this.#pendingBytes > 0 || this.#pending.length > 0 ? [this.#take(true)] : [];
  }

  #keep(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#pending.push(piece.slice());
    this.#pendingBytes += piece.length;
  }

  #take(complete: boolean): string {
    let bytes: Uint8Array;
    if (this.#pending.length === 1) {
      bytes = this.#pending[0]!;
    } else {
      bytes = new Uint8Array(this.#pendingBytes);
      let at = 0;
      for (const part of this.#pending) {
        bytes.set(part, at);
        at += part.length;
      }
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    if (complete && bytes.length > 0 && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return this.#decoder.decode(bytes);
  }
}
