/** Exit codes of the `cairn` command (a contract for scripts). */
export const EXIT = {
  ok: 0,
  /** The workflow failed, or the definition is invalid. */
  failed: 1,
  /** The command was used wrongly (unknown flag, bad parameter, missing file). */
  usage: 2,
  interrupted: 130,
} as const;

/** An error whose message is for the user as it stands, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
