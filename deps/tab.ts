/** Shell completions (bash, zsh, fish, powershell): `@bomb.sh/tab`, pinned in deno.json. */
export { RootCommand } from "@bomb.sh/tab";
