/**
 * Flag values shared by several commands: `--exit-when-nodes-finish[=BOOL]` and log levels.
 * Pure, apart from throwing `UsageError` (exit 2) for values that are not what the flag takes.
 */
import { UsageError } from "../errors.ts";
import { LOG_LEVELS, type LogLevel, parseLogLevel } from "../logs/levels.ts";
import { didYouMean } from "../descriptor/suggest.ts";

const TRUE = ["true", "yes", "on", "1"];
const FALSE = ["false", "no", "off", "0"];

/** `true`/`false` (also yes/no/on/off/1/0) of a boolean flag given a value. */
export function parseBool(flag: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (TRUE.includes(lower)) return true;
  if (FALSE.includes(lower)) return false;
  throw new UsageError(`Invalid ${flag} '${value}': expected true or false`);
}

/**
 * An optional-value boolean flag (`--exit-when-nodes-finish[=BOOL]`) and the command's file
 * argument. Written as `--flag FILE` the parser takes FILE for the flag's value: when that value
 * is no boolean and no file was given, it is the file and the flag is on.
 */
export function boolFlagAndFile(
  flag: string,
  value: string | boolean | undefined,
  file: string,
  defaultFile: string,
): { value?: boolean; file: string } {
  if (value === undefined) return { file };
  if (typeof value === "boolean") return { value, file };
  const lower = value.trim().toLowerCase();
  if (TRUE.includes(lower) || FALSE.includes(lower)) return { value: parseBool(flag, value), file };
  if (file === defaultFile) return { value: true, file: value };
  return { value: parseBool(flag, value), file };
}

/** A log level flag (`--log-level`, `--level`, `DORA_LOG_LEVEL`). */
export function parseLevelFlag(flag: string, value: string): LogLevel {
  const level = parseLogLevel(value);
  if (level) return level;
  throw new UsageError(
    `Invalid ${flag} '${value}': expected one of ${LOG_LEVELS.join(", ")}` +
      didYouMean(value.toLowerCase(), LOG_LEVELS),
  );
}
