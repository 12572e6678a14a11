import assert from "node:assert/strict";
import { readJsonFile, writeJsonAtomic } from "./state_file.ts";

const valid = (v: unknown) =>
  typeof v === "object" && v !== null && "n" in v ? undefined : "missing n";

Deno.test("atomic write then read back, mode 600, no temp files left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeJsonAtomic(`${dir}/s.json`, { n: 1 });
    await writeJsonAtomic(`${dir}/s.json`, { n: 2 });
    assert.deepEqual(await readJsonFile(`${dir}/s.json`, valid), { kind: "ok", value: { n: 2 } });
    assert.equal((await Deno.stat(`${dir}/s.json`)).mode! & 0o777, 0o600);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["s.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("missing and corrupt files: corrupt is moved aside, not lost", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(await readJsonFile(`${dir}/none.json`, valid), { kind: "missing" });
    await Deno.writeTextFile(`${dir}/s.json`, "{ half written");
    const bad = await readJsonFile(`${dir}/s.json`, valid);
    assert.equal(bad.kind, "corrupt");
    if (bad.kind !== "corrupt") return;
    assert.equal(await Deno.readTextFile(bad.movedTo), "{ half written");
    await Deno.writeTextFile(`${dir}/t.json`, `{"m": 1}`);
    const invalid = await readJsonFile(`${dir}/t.json`, valid);
    assert.equal(invalid.kind, "corrupt");
    if (invalid.kind === "corrupt") assert.equal(invalid.reason, "missing n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
