import { fail } from "../errors.ts";
/** `dora check`: placeholder until the descriptor lands. */
export function check(_file: string): Promise<number> {
  fail("'check' is not implemented yet");
}
