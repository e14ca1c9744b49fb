/**
 * SetVariable (spec §2.7.4): assigns a pipeline variable after a type check, or, with `setSystemVariable`
 * and the name `pipelineReturnValue`, replaces the run's return value map. The value is evaluated here
 * rather than up front because return-value entries carry their own typed expressions.
 */
import type { ActivityHandler } from '../activity-handler.ts';
import { flag } from '../policy.ts';
import { rawTypeProperties } from './container-support.ts';
import { decodeReturnValue } from './return-value.ts';
import { rejectSelfReference, variableNameOf } from './variable-assignment.ts';

const RETURN_VALUE = 'pipelineReturnValue';

export const setVariableHandler: ActivityHandler = {
  kind: 'control',
  deferredProperties: ['value'],
  run(ctx) {
    const name = variableNameOf(ctx.typeProperties);
    const raw = rawTypeProperties(ctx).value;
    if (flag(ctx.typeProperties.setSystemVariable) && name === RETURN_VALUE) {
      const value = decodeReturnValue(raw, (text) => ctx.evaluate({ value: text, type: 'Expression' }));
      ctx.control.setPipelineReturnValue(value);
      return Promise.resolve({ name, value });
    }
    rejectSelfReference('SetVariable', name, raw);
    const value = ctx.evaluate(raw);
    ctx.control.variables.set(name, value);
    return Promise.resolve({ name, value });
  },
};
