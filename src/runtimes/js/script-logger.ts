/**
 * The logger handed to a JS scoring script as `context.logger`, standing in for Python's `logging`
 * module that Azure scripts use. It writes to the worker's stdout, which the pool captures into
 * `logs/user/stdout/<node>/process<N>.stdout.txt` (where Azure puts `logging` output too), and it
 * drops messages below the deployment's `logging_level`.
 */
import type { RuntimeSettings } from '../contract.ts';

export interface ScriptLogger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  /** Alias of `warning`, for scripts written with JS habits. */
  warn(message: string): void;
  error(message: string): void;
}

const rank = { debug: 10, info: 20, warning: 30, error: 40 } as const;
type Level = keyof typeof rank;

export function createScriptLogger(
  level: RuntimeSettings['loggingLevel'],
  write: (line: string) => void = (line) => process.stdout.write(line),
): ScriptLogger {
  const log = (at: Level, message: string): void => {
    if (rank[at] < rank[level]) return;
    write(`${new Date().toISOString()} ${at.toUpperCase()} ${message}\n`);
  };
  return {
    debug: (m) => {
      log('debug', m);
    },
    info: (m) => {
      log('info', m);
    },
    warning: (m) => {
      log('warning', m);
    },
    warn: (m) => {
      log('warning', m);
    },
    error: (m) => {
      log('error', m);
    },
  };
}
