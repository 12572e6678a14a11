// @ts-check
/**
 * Number formats of the page: the browser's copy of lib/output/format.ts (the page cannot load
 * TypeScript). view.test.ts checks that both give the same text, so `dora list` and the
 * dashboard never disagree on how a value looks.
 */

/**
 * `HH:MM:SS` (hours grow past 99 as needed); negative or NaN is 00:00:00.
 * @param {number} ms
 */
export function formatUptime(ms) {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

/**
 * `512M`, `1.5G`, `820K`, `0B`; `-` for unknown.
 * @param {number | null | undefined} bytes
 */
export function formatBytes(bytes) {
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

/**
 * `12.5`; `-` for unknown.
 * @param {number | null | undefined} value
 */
export function formatPercent(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return value.toFixed(1);
}

/**
 * Messages per second: one decimal below 100.
 * @param {number} rate
 */
export function formatRate(rate) {
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

/**
 * A local `HH:MM:SS.mmm` time of day, for log lines.
 * @param {number} time ms since the epoch
 */
export function formatClock(time) {
  const d = new Date(time);
  const p = (/** @type {number} */ n, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${
    p(d.getMilliseconds(), 3)
  }`;
}
