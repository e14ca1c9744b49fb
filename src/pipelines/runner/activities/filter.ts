/**
 * Filter (spec §2.7.9): keeps the items for which `condition` (evaluated per item with `item()` bound) is
 * true. The output names follow the service: ItemsCount, FilteredItemsCount and Value.
 */
import type { ActivityHandler } from '../activity-handler.ts';
import { rawTypeProperties, requireArray, requireBoolean } from './container-support.ts';

export const filterHandler: ActivityHandler = {
  kind: 'control',
  deferredProperties: ['condition'],
  run(ctx) {
    const items = requireArray(ctx.typeProperties.items, 'Filter items');
    const condition = rawTypeProperties(ctx).condition;
    const kept = items.filter((item) =>
      requireBoolean(ctx.evaluate(condition, { item }), 'Filter condition'),
    );
    return Promise.resolve({ ItemsCount: items.length, FilteredItemsCount: kept.length, Value: kept });
  },
};
