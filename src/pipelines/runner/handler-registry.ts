/**
 * Activity handlers by type name (spec §2.7.12). The control-flow types are registered by
 * control-flow-handlers.ts; WebActivity and anything else are plugged in by whoever builds the runner.
 * Types are matched exactly first and then ignoring case; a type nobody registered fails the activity
 * with `NotSupportedLocally` rather than the whole run.
 */
import { ActivityFailure } from './activity-failure.ts';
import type { ActivityHandler } from './activity-handler.ts';
import type { ActivityHandlerLookup } from './run-context.ts';

export class HandlerRegistry implements ActivityHandlerLookup {
  readonly #handlers = new Map<string, ActivityHandler>();

  register(type: string, handler: ActivityHandler): this {
    this.#handlers.set(type, handler);
    return this;
  }

  has(type: string): boolean {
    return this.#find(type) !== undefined;
  }

  handlerFor(type: string): ActivityHandler {
    return this.#find(type) ?? notSupportedHandler(type);
  }

  #find(type: string): ActivityHandler | undefined {
    const exact = this.#handlers.get(type);
    if (exact) return exact;
    const lower = type.toLowerCase();
    for (const [name, handler] of this.#handlers) if (name.toLowerCase() === lower) return handler;
    return undefined;
  }
}

function notSupportedHandler(type: string): ActivityHandler {
  return {
    kind: 'control',
    run: () =>
      Promise.reject(
        new ActivityFailure(
          'NotSupportedLocally',
          `Activity type '${type}' is not supported by this runner. Register a handler for it to run it locally.`,
        ),
      ),
  };
}
