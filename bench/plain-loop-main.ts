/**
 * One plain loop in a process of its own, for section (k)'s two-core ceiling: the parent forks two of
 * these, waits until both have imported the runtime (so neither's start-up is timed), then tells both
 * to go at once; each scores its share of the files and reports how long it took.
 */
import { plainLoop } from './plain-loop.ts';

interface Go {
  folder: string;
  files: string[];
  model: string;
}

function reply(message: { ms: number } | { error: string }): void {
  process.send?.(message, () => {
    process.disconnect();
  });
}

process.once('message', (message: Go) => {
  plainLoop(message.folder, message.files, message.model).then(
    (ms) => {
      reply({ ms });
    },
    (error: unknown) => {
      reply({ error: String(error) });
    },
  );
});
process.send?.('ready');
