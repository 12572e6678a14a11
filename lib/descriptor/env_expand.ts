/**
 * `$VAR` / `${VAR}` / `${VAR:-default}` expansion for `env:` values. Pure.
 *
 * An unset (or, for `:-`, empty) variable becomes the empty string or the default, without a
 * warning: that is what a shell does, and a dataflow often passes through optional settings.
 * A `$` that does not start a variable name is kept as written; `\$` keeps a literal `$`.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Expands variables in `text` from `env`. */
export function expandVars(text: string, env: Record<string, string | undefined>): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "\\" && text[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (ch !== "$") {
      out += ch;
      i++;
      continue;
    }
    if (text[i + 1] === "{") {
      const end = text.indexOf("}", i + 2);
      const inner = end < 0 ? "" : text.slice(i + 2, end);
      const braced = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
      if (end < 0 || !braced) {
        out += ch;
        i++;
        continue;
      }
      const value = env[braced[1]!];
      const fallback = braced[2];
      out += fallback !== undefined && !value ? fallback : value ?? "";
      i = end + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1));
    if (!name) {
      out += ch;
      i++;
      continue;
    }
    out += env[name[0]] ?? "";
    i += 1 + name[0].length;
  }
  return out;
}
