/** Where the CLI writes; tests pass buffers, the real entry point passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress output goes here (stderr), and only when someone is watching. */
  progress?: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Bad input: one line on stderr, exit code 2, nothing written. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
  }
}

export const EXIT = { ok: 0, partial: 1, usage: 2, failure: 3 } as const;
