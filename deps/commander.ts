/** The one import point for the command-line parser. */
export { Command, CommanderError, Option } from "@commander-js/extra-typings";
