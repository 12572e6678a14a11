/**
 * What a node's `build:` lines mean before they run: the `--uv` rewrite, and which files they
 * read (for deciding whether a build can be skipped). Pure.
 */
import { splitShellWords } from "../descriptor/mod.ts";

const PIP = /^(\s*)(pip3?)(?=\s|$)/;

/**
 * With `--uv`, a line whose first word is `pip` or `pip3` runs as `uv pip ...`; the rest of the
 * line is kept exactly. Other lines are returned unchanged.
 */
export function applyUv(line: string): { line: string; rewritten: boolean } {
  const match = PIP.exec(line);
  if (!match) return { line, rewritten: false };
  return { line: `${match[1]}uv pip${line.slice(match[0].length)}`, rewritten: true };
}

/** The lines as they will run: rewritten for uv when `uv` is set. */
export function effectiveLines(lines: readonly string[], uv: boolean): string[] {
  return lines.map((line) => uv ? applyUv(line).line : line);
}

/** The words of a line, or its blank-separated pieces when it cannot be split (bad quotes). */
function words(line: string): string[] {
  const split = splitShellWords(line);
  return split.ok ? split.words : line.split(/\s+/).filter((w) => w !== "");
}

/**
 * Whether the line only runs a Python package installer (`pip`, `pip3`, `uv pip`,
 * `python -m pip`): such a line reads just the files it names (`-r requirements.txt`, `-e .`),
 * unlike `make` or `cargo build`, which read whatever they like.
 */
export function isInstallerLine(line: string): boolean {
  // Quoted text cannot chain commands or redirect: `pip install 'numpy<2'` is one command.
  const unquoted = line.replace(/'[^']*'/g, "''").replace(/"[^"$`\\]*"/g, '""');
  if (/[;&|`$<>()]/.test(unquoted)) return false;
  const w = words(line);
  if (w[0] === "pip" || w[0] === "pip3") return true;
  if (w[0] === "uv" && w[1] === "pip") return true;
  return /^python(3(\.\d+)?)?$/.test(w[0] ?? "") && w[1] === "-m" && w[2] === "pip";
}

/**
 * Words of the line that could name a file or folder the build reads: every word after the
 * first that is not an option, plus the value of `--opt=value`. The caller keeps those that
 * exist. URLs and words with `$` are left out.
 */
export function pathCandidates(line: string): string[] {
  const found: string[] = [];
  for (const word of words(line).slice(1)) {
    const value = word.startsWith("-") ? word.split("=").slice(1).join("=") : word;
    if (value === "" || value.includes("://") || value.includes("$")) continue;
    if (!found.includes(value)) found.push(value);
  }
  return found;
}

/** What a node's build reads, as far as can be told from its lines. */
export interface InputRule {
  /**
   * True when some line is not a package installer: then every file in the dataflow's folder
   * counts (a `make` may read any of them).
   */
  wholeFolder: boolean;
  /** Words that may name files or folders, relative to the working directory. */
  named: string[];
}

/** The input rule for a node's (effective) build lines. */
export function inputRule(lines: readonly string[]): InputRule {
  const named: string[] = [];
  for (const line of lines) {
    for (const word of pathCandidates(line)) if (!named.includes(word)) named.push(word);
  }
  return { wholeFolder: lines.some((line) => !isInstallerLine(line)), named };
}
