/**
 * Everything printed for people goes through here: colours (off when piped or NO_COLOR),
 * node-id prefixes, durations, sizes and tables. Pure apart from reading whether stdout is a TTY.
 */
import { Table } from "../../deps/table.ts";

/** Whether colour escapes may be written to `stream`. */
export function colorEnabled(stream: { isTerminal(): boolean } = Deno.stdout): boolean {
  if (Deno.env.get("NO_COLOR") !== undefined && Deno.env.get("NO_COLOR") !== "") return false;
  if (Deno.env.get("FORCE_COLOR")) return true;
  try {
    return stream.isTerminal();
  } catch {
    return false;
  }
}

const PALETTE = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94, 91];

/** Wraps `text` in an ANSI colour code when `enabled`. */
export function paint(text: string, code: number, enabled: boolean): string {
  return enabled ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Green check mark line used for "✓ x stopped". */
export const CHECK = "✓";

/**
 * Builds `<node-id> | ` prefixes, padded to the longest id, one colour per node when colour is
 * enabled.
 */
export function makePrefixer(ids: string[], color: boolean): (id: string) => string {
  const width = Math.max(0, ...ids.map((id) => id.length));
  const colours = new Map(ids.map((id, i) => [id, PALETTE[i % PALETTE.length]!]));
  return (id: string) => {
    const padded = id.padEnd(width);
    const code = colours.get(id);
    return `${code === undefined ? padded : paint(padded, code, color)} | `;
  };
}

/** `HH:MM:SS` (hours grow past 99 as needed); negative or NaN is 00:00:00. */
export function formatUptime(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

/** `512M`, `1.5G`, `820K`, `0B`; `-` for unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "-";
  const units = ["B", "K", "M", "G", "T"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value >= 10 || unit === 0 ? Math.round(value).toString() : value.toFixed(1);
  return `${text.replace(/\.0$/, "")}${units[unit]}`;
}

/** `12.5`; `-` for unknown. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return value.toFixed(1);
}

/** A local `YYYY-MM-DD HH:MM:SS` timestamp. */
export function formatTimestamp(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return "-";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** A borderless, ps-style table: columns separated by two spaces, no trailing blanks. */
export function renderTable(head: string[], rows: string[][]): string {
  const table = new Table({
    head,
    chars: {
      "top": "",
      "top-mid": "",
      "top-left": "",
      "top-right": "",
      "bottom": "",
      "bottom-mid": "",
      "bottom-left": "",
      "bottom-right": "",
      "left": "",
      "left-mid": "",
      "mid": "",
      "mid-mid": "",
      "right": "",
      "right-mid": "",
      "middle": "  ",
    },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  table.push(...rows);
  return table.toString().split("\n").map((line) => line.trimEnd()).join("\n");
}

/** Parses `10`, `10s`, `500ms`, `2m`, `1h` into milliseconds; plain numbers are seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return value * factor;
}

/** Parses `4G`, `512M`, `100k`, `1024` (bytes) into bytes. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!match) return undefined;
  const power = { "": 0, k: 1, m: 2, g: 3, t: 4 }[match[2]!.toLowerCase()]!;
  return Math.round(Number(match[1]) * 1024 ** power);
}
