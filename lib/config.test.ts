import assert from "node:assert/strict";
import { daemonLogLevel, parseBoolSetting, parseSecondsSetting } from "./config.ts";

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  try {
    for (const [k, v] of Object.entries(vars)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  }
}

Deno.test("settings from a shell: booleans and seconds, strictly", () => {
  assert.equal(parseBoolSetting("X", "TRUE"), true);
  assert.equal(parseBoolSetting("X", " off "), false);
  assert.throws(
    () => parseBoolSetting("DORA_HOT_RELOAD", "bogus"),
    /Invalid DORA_HOT_RELOAD 'bogus'/,
  );
  assert.equal(parseSecondsSetting("X", "30"), 30_000);
  assert.equal(parseSecondsSetting("X", "1.5"), 1500);
  assert.equal(parseSecondsSetting("X", "500ms"), 500);
  assert.equal(parseSecondsSetting("X", "2m"), 120_000);
  assert.throws(() => parseSecondsSetting("DORA_STOP_TIMEOUT", "abc"), /Invalid DORA_STOP_TIMEOUT/);
  assert.throws(() => parseSecondsSetting("X", "-1"));
});

Deno.test("daemon log level: DORA_LOG_LEVEL, else RUST_LOG's default or dora= directive", () => {
  const level = (own: string | undefined, rust: string | undefined) => {
    let result = "";
    withEnv({ DORA_LOG_LEVEL: own, RUST_LOG: rust }, () => result = daemonLogLevel());
    return result;
  };
  assert.equal(level(undefined, undefined), "info");
  assert.equal(level(undefined, "warn"), "warn");
  assert.equal(level(undefined, "WARNING"), "warn");
  assert.equal(level(undefined, "info,hyper=trace"), "info");
  assert.equal(level(undefined, "hyper=trace,dora=debug"), "debug");
  assert.equal(level(undefined, "dora_daemon=error"), "error");
  assert.equal(level(undefined, "tokio=debug"), "info", "other programs' targets are ignored");
  assert.equal(level("debug", "error"), "debug", "DORA_LOG_LEVEL wins");
  assert.throws(() => level("loud", undefined), /Invalid DORA_LOG_LEVEL 'loud'/);
  assert.throws(() => level(undefined, "loud"), /Invalid RUST_LOG 'loud'/);
  assert.throws(() => level(undefined, "dora=loud"), /Invalid RUST_LOG/);
});
