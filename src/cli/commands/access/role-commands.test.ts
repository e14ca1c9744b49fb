import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coversScope } from './role-commands.ts';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws';

void describe('coversScope', () => {
  void it('holds for the same scope and for parents, ignoring case and trailing slashes', () => {
    assert.equal(coversScope(WS, WS), true);
    assert.equal(coversScope(`${WS.toUpperCase()}/`, WS), true);
    assert.equal(coversScope('/subscriptions/s1', `${WS}/batchEndpoints/e1`), true);
    assert.equal(coversScope('/', WS), true);
  });

  void it('does not hold for children, siblings or a mere name prefix', () => {
    assert.equal(coversScope(`${WS}/batchEndpoints/e1`, WS), false);
    assert.equal(coversScope(`${WS}/batchEndpoints/e1`, `${WS}/batchEndpoints/e2`), false);
    assert.equal(coversScope(`${WS}/batchEndpoints/e1`, `${WS}/batchEndpoints/e10`), false);
  });
});
