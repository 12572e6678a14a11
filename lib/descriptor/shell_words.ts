/**
 * POSIX-like word splitting for `args:` strings (and `build:` lines): what `sh` does to a command
 * line before running it, minus every expansion. Pure.
 *
 * - Unquoted blanks (space, tab, newline) separate words.
 * - `'...'` keeps everything literally; a single quote cannot appear inside.
 * - `"..."` keeps everything except that a backslash escapes `"`, `\`, `$`, `` ` `` and newline;
 *   before any other character the backslash stays.
 * - Outside quotes a backslash makes the next character literal; backslash-newline joins lines.
 * - `''` and `""` produce an empty word.
 * - No `$VAR`, glob, `~` or comment handling: arguments reach the program as written.
 */

/** The result of splitting: the words, or why the text cannot be split. */
export type ShellWords =
  | { ok: true; words: string[] }
  | { ok: false; error: string };

const BLANK = new Set([" ", "\t", "\n", "\r"]);
const ESCAPABLE_IN_DOUBLE = new Set(['"', "\\", "$", "`", "\n"]);

/** Splits `text` into words like a POSIX shell; an unterminated quote is an error. */
export function splitShellWords(text: string): ShellWords {
  const words: string[] = [];
  let word = "";
  // A word exists once anything (even an empty quote pair) was seen since the last blank.
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (BLANK.has(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: "unterminated single quote" };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      const closed = readDoubleQuoted(text, i + 1);
      if (closed === undefined) return { ok: false, error: "unterminated double quote" };
      word += closed.value;
      inWord = true;
      i = closed.next;
    } else if (ch === "\\") {
      const next = text[i + 1];
      if (next === undefined) {
        // A lone trailing backslash has nothing to escape: keep it, as sh does.
        word += "\\";
        inWord = true;
        i++;
      } else if (next === "\n") {
        i += 2;
      } else {
        word += next;
        inWord = true;
        i += 2;
      }
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}

/** Reads a double-quoted section starting after its opening quote. */
function readDoubleQuoted(text: string, from: number): { value: string; next: number } | undefined {
  let value = "";
  let i = from;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value, next: i + 1 };
    if (ch === "\\" && i + 1 < text.length && ESCAPABLE_IN_DOUBLE.has(text[i + 1]!)) {
      if (text[i + 1] !== "\n") value += text[i + 1];
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  return undefined;
}
