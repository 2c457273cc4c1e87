/**
 * Records every promise rejection nobody handled while installed: a fuzzed turn that "passes" but left a promise
 * failing in the background is a crash in production (Node's default is --unhandled-rejections=throw).
 *
 * Jest runs a test file with a copy of `process` whose listeners never fire; the process that does emit
 * 'unhandledRejection' is the runner's (jest-circus keeps it in its state as `parentProcess`, and listens there
 * itself to fail the running test). The trap listens on that process, alone while installed, so a rejection is
 * reported as part of the property's counterexample rather than as a stray failure of whichever test runs.
 */
export class UnhandledRejectionTrap {
  readonly seen: unknown[] = [];
  private saved: ((...args: unknown[]) => void)[] = [];
  private readonly target = emittingProcess();
  private readonly listener = (reason: unknown) => {
    this.seen.push(reason);
  };

  install(): void {
    this.saved = this.target.listeners('unhandledRejection') as never;
    this.target.removeAllListeners('unhandledRejection');
    this.target.on('unhandledRejection', this.listener);
  }

  uninstall(): void {
    this.target.off('unhandledRejection', this.listener);
    for (const l of this.saved) this.target.on('unhandledRejection', l);
    this.saved = [];
  }

  /** Lets pending rejections surface (Node reports them once the microtask queue drains), then takes them. */
  async drain(): Promise<unknown[]> {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    return this.seen.splice(0);
  }
}

function emittingProcess(): NodeJS.Process {
  const key = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  const state = key ? (globalThis as unknown as Record<symbol, { parentProcess?: NodeJS.Process } | undefined>)[key] : undefined;
  return state?.parentProcess ?? process;
}
