/** The one import point for the terminal spinner. */
export { default as yoctoSpinner } from "yocto-spinner";
