/**
 * What a built-in function is to the evaluator: a name, an arity, and an implementation that gets either
 * evaluated arguments or, for the lazy `if`/`and`/`or`, thunks it may leave unevaluated (spec §3.4). The
 * implementations reach the run's state only through CallEnv, which carries the ExpressionContext and the
 * engine's injected services (randomness, string collation, time-zone lookup).
 */
import type { ExpressionContext } from '../contract.ts';
import type { TimeZoneResolver } from '../datetime/time-zones.ts';
import type { Value } from '../values.ts';

export interface EngineServices {
  /** Uniform in [0, 1); used by rand(). */
  random(): number;
  /** Culture-aware string order for greater/less (spec §3.4). */
  readonly collator: Intl.Collator;
  readonly timeZones: TimeZoneResolver;
}

export interface CallEnv {
  readonly context: ExpressionContext;
  readonly services: EngineServices;
}

interface FunctionBase {
  /** Canonical spelling, used in error messages. */
  readonly name: string;
  readonly minArgs: number;
  /** Infinity for variadic functions. */
  readonly maxArgs: number;
}

export interface EagerFunction extends FunctionBase {
  readonly lazy?: false;
  invoke(args: readonly Value[], env: CallEnv): Value;
}

export interface LazyFunction extends FunctionBase {
  readonly lazy: true;
  invoke(args: readonly (() => Value)[], env: CallEnv): Value;
}

export type FunctionDefinition = EagerFunction | LazyFunction;

/** Function table keyed by lower-case name (function names ignore case, spec §3.2). */
export type FunctionCatalog = ReadonlyMap<string, FunctionDefinition>;

export function eager(
  name: string,
  minArgs: number,
  maxArgs: number,
  invoke: (args: readonly Value[], env: CallEnv) => Value,
): EagerFunction {
  return { name, minArgs, maxArgs, invoke };
}
