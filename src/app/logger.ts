import { componentLogger } from '../observability/logger';

/**
 * A process's status lines (start-up, waiting for a dependency, draining, stopped): one log line
 * each through the process's logger (src/observability/logger.ts), `component` set, at info — and
 * shown whatever LOG_LEVEL says, as they always were (LOG_LEVEL quiets the requests' and the SDK's
 * lines, not what a process says about itself). JSON by default; `[component] line` under
 * LOG_FORMAT=pretty (the default of `npm start`).
 */
export const say = (component: string) => (line: string) => componentLogger(component, 'info').info(line);

/** Runs `main`; a thrown error ends the process with its message on one line and exit code 1 (2 for configuration). */
export function runMain(component: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const e = err as Error;
    process.stderr.write(`[${component}] ${e.name === 'ConfigError' || e.name === 'PolicyError' ? '' : 'failed: '}${e.message}\n`);
    process.exit(e.name === 'ConfigError' || e.name === 'PolicyError' ? 2 : 1);
  });
}

const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

/**
 * Calls `stop` once on the first SIGINT/SIGTERM; another signal more than a second later exits at
 * once. (Ctrl-C under `npm start` delivers SIGINT twice: from the terminal and forwarded by npm.)
 */
export function onShutdownSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  let firstAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping && Date.now() - firstAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      if (stopping) {
        process.stderr.write(`received ${signal} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      firstAt = Date.now();
      stop(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
    });
  }
}
