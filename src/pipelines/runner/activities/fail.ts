/**
 * Fail (spec §2.7.11): always ends Failed with the evaluated message and error code, which then fails its
 * scope through the leaf rule. The documented edge cases keep their documented messages: an unevaluable
 * message or code, a code that is not text, an empty message.
 */
import { ExpressionError } from '../../expressions/contract.ts';
import { ActivityFailure } from '../activity-failure.ts';
import type { ActivityHandler } from '../activity-handler.ts';
import { rawTypeProperties } from './container-support.ts';

export const failHandler: ActivityHandler = {
  kind: 'control',
  deferredProperties: ['message', 'errorCode'],
  run(ctx) {
    const raw = rawTypeProperties(ctx);
    let message: unknown;
    let errorCode: unknown;
    try {
      message = ctx.evaluate(raw.message);
      errorCode = ctx.evaluate(raw.errorCode);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      throw new ActivityFailure(
        'FailActivityInvalidContent',
        `Failed to interpret ${ctx.activity.name} fail message or error code`,
        { details: error.message, output: {} },
      );
    }
    const text =
      typeof message === 'string' && message.trim() !== '' ? message : "Fail message wasn't provided";
    const code = typeof errorCode === 'string' ? errorCode : 'ErrorCodeNotString';
    throw new ActivityFailure(code, text, { output: {} });
  },
};
