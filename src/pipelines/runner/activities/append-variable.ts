/**
 * AppendVariable (spec §2.7.5): appends the evaluated value as one element of an Array variable; an array
 * value is not flattened.
 */
import type { ActivityHandler } from '../activity-handler.ts';
import { rawTypeProperties } from './container-support.ts';
import { rejectSelfReference, variableNameOf } from './variable-assignment.ts';

export const appendVariableHandler: ActivityHandler = {
  kind: 'control',
  run(ctx) {
    const name = variableNameOf(ctx.typeProperties);
    rejectSelfReference('AppendVariable', name, rawTypeProperties(ctx).value);
    const value = ctx.typeProperties.value;
    ctx.control.variables.append(name, value);
    return Promise.resolve({ name, value });
  },
};
