import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkComputeName, computeNameOf, readComputeBody } from './computes.ts';
import { ValidationError } from './errors.ts';
import type { SystemData } from './resources.ts';

const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w';
const SYSTEM: SystemData = {
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'me',
  createdByType: 'User',
  lastModifiedAt: '2026-01-01T00:00:00Z',
  lastModifiedBy: 'me',
  lastModifiedByType: 'User',
};

const fieldOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.field;
  }
  assert.fail('no error');
};

test("a compute reference names the compute in any of Azure's spellings, or the local pool", () => {
  assert.equal(computeNameOf('azureml:cpu', WS, 'compute'), 'cpu');
  assert.equal(computeNameOf('cpu', WS, 'compute'), 'cpu');
  assert.equal(computeNameOf(`${WS}/computes/cpu`, WS, 'compute'), 'cpu');
  assert.equal(computeNameOf(`${WS.toUpperCase()}/COMPUTES/cpu`, WS, 'compute'), 'cpu');
  assert.equal(computeNameOf(undefined, WS, 'compute'), 'local');
  assert.equal(computeNameOf('  ', WS, 'compute'), 'local');
  assert.equal(
    fieldOf(() => computeNameOf('/subscriptions/other/computes/cpu', WS, 'f')),
    'f',
  );
  assert.equal(
    fieldOf(() => computeNameOf(`${WS}/computes/cpu/nodes`, WS, 'f')),
    'f',
  );
});

test("names follow Azure's cluster rule and `local` is reserved", () => {
  assert.equal(checkComputeName('cpu-2'), 'cpu-2');
  for (const bad of ['a', '2cpu', 'cpu-', 'a'.repeat(17), 'Local', 'has space'])
    assert.equal(
      fieldOf(() => checkComputeName(bad)),
      'name',
      bad,
    );
});

test("a body gets Azure's defaults and refuses what no cluster can be", () => {
  const compute = readComputeBody('cpu', { properties: { computeType: 'AmlCompute' } }, SYSTEM);
  assert.deepEqual(
    [compute.vmSize, compute.minNodeCount, compute.maxNodeCount, compute.idleSecondsBeforeScaleDown],
    ['STANDARD_DS3_V2', 0, 1, 120],
  );
  const scaled = readComputeBody(
    'cpu',
    {
      properties: {
        computeType: 'amlcompute',
        properties: {
          vmSize: 'Standard_NC6s_v3',
          scaleSettings: { minNodeCount: 1, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2M' },
        },
      },
    },
    SYSTEM,
  );
  assert.deepEqual(
    [scaled.vmSize, scaled.minNodeCount, scaled.maxNodeCount, scaled.idleSecondsBeforeScaleDown],
    ['STANDARD_NC6S_V3', 1, 4, 120],
  );
  const scale = (s: Record<string, unknown>) => ({ properties: { properties: { scaleSettings: s } } });
  const refused: [unknown, string][] = [
    [scale({ minNodeCount: -1 }), 'properties.properties.scaleSettings.minNodeCount'],
    [scale({ maxNodeCount: 0 }), 'properties.properties.scaleSettings.maxNodeCount'],
    [scale({ minNodeCount: 2, maxNodeCount: 1 }), 'properties.properties.scaleSettings.minNodeCount'],
    [scale({ maxNodeCount: 1.5 }), 'properties.properties.scaleSettings.maxNodeCount'],
    [
      scale({ nodeIdleTimeBeforeScaleDown: 'P1D' }),
      'properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown',
    ],
    [{ properties: { properties: { vmSize: 'big' } } }, 'properties.properties.vmSize'],
    [{ properties: { computeType: 'ComputeInstance' } }, 'properties.computeType'],
  ];
  for (const [body, field] of refused)
    assert.equal(
      fieldOf(() => readComputeBody('cpu', body as Record<string, unknown>, SYSTEM)),
      field,
    );
});
