import assert from "node:assert/strict";
import { splitShellWords } from "./shell_words.ts";

function words(text: string): string[] {
  const result = splitShellWords(text);
  if (!result.ok) throw new Error(`unexpected error for ${JSON.stringify(text)}: ${result.error}`);
  return result.words;
}

Deno.test("splitShellWords: blanks separate words, runs of blanks count once", () => {
  assert.deepEqual(words("--fps 30"), ["--fps", "30"]);
  assert.deepEqual(words("  a \t b\n\nc  "), ["a", "b", "c"]);
  assert.deepEqual(words(""), []);
  assert.deepEqual(words("   "), []);
});

Deno.test("splitShellWords: single quotes keep everything literally", () => {
  assert.deepEqual(words("'a b' c"), ["a b", "c"]);
  assert.deepEqual(words(`'say "hi" \\n $HOME'`), [`say "hi" \\n $HOME`]);
  assert.deepEqual(words("pre'mid dle'post"), ["premid dlepost"]);
});

Deno.test("splitShellWords: double quotes honour only the POSIX backslash escapes", () => {
  assert.deepEqual(words(`"a b" c`), ["a b", "c"]);
  assert.deepEqual(words(`"say \\"hi\\""`), [`say "hi"`]);
  assert.deepEqual(words(`"back\\\\slash"`), ["back\\slash"]);
  assert.deepEqual(words(`"\\$HOME"`), ["$HOME"]);
  // Before other characters the backslash is kept, as sh does.
  assert.deepEqual(words(`"a\\nb"`), ["a\\nb"]);
  assert.deepEqual(words(`"it's"`), ["it's"]);
  assert.deepEqual(words(`"line\\\ncontinued"`), ["linecontinued"]);
});

Deno.test("splitShellWords: a backslash outside quotes escapes the next character", () => {
  assert.deepEqual(words("a\\ b c"), ["a b", "c"]);
  assert.deepEqual(words("\\'x\\'"), ["'x'"]);
  assert.deepEqual(words('\\"'), ['"']);
  assert.deepEqual(words("one\\\ntwo"), ["onetwo"]);
  assert.deepEqual(words("end\\"), ["end\\"]);
});

Deno.test("splitShellWords: empty quotes make empty words", () => {
  assert.deepEqual(words(`a '' "" b`), ["a", "", "", "b"]);
  assert.deepEqual(words(`''`), [""]);
});

Deno.test("splitShellWords: mixed quoting joins into one word", () => {
  assert.deepEqual(words(`--name="Jane Doe" -m 'x'"y"z`), ["--name=Jane Doe", "-m", "xyz"]);
});

Deno.test("splitShellWords: unterminated quotes are errors", () => {
  assert.deepEqual(splitShellWords("a 'b c"), { ok: false, error: "unterminated single quote" });
  assert.deepEqual(splitShellWords(`a "b c`), { ok: false, error: "unterminated double quote" });
  assert.deepEqual(splitShellWords(`"abc\\"`), { ok: false, error: "unterminated double quote" });
});

Deno.test("splitShellWords: no expansion of variables, globs or comments", () => {
  assert.deepEqual(words("$HOME *.py ~ # not a comment"), [
    "$HOME",
    "*.py",
    "~",
    "#",
    "not",
    "a",
    "comment",
  ]);
});
