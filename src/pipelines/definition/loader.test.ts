import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipelineDocument, loadPipelines } from './loader.ts';
import { PipelineDefinitionError } from './errors.ts';
import { writeZip } from '../../../test/support/pipelines/zip-writer.ts';

const properties = {
  description: 'demo',
  activities: [
    {
      name: 'Call',
      type: 'webactivity',
      typeProperties: { method: 'get', url: 'https://example.test', customSetting: { keep: true } },
      someUnknownField: [1, 2],
    },
    {
      name: 'Loop',
      type: 'ForEach',
      typeProperties: {
        isSequential: 'true',
        items: { value: '@createArray(1)', type: 'Expression' },
        activities: [],
      },
    },
  ],
  parameters: { n: { type: 'int', defaultValue: 1 } },
  variables: { v: { type: 'Integer' } },
  lastPublishTime: '2024-01-01T00:00:00Z',
};

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

async function expectError(action: () => unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(Promise.resolve().then(action), (error: unknown) => {
    assert.ok(error instanceof PipelineDefinitionError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, pattern);
    return true;
  });
}

test('Git JSON keeps every property as written: unknown fields, any-case types, string booleans', async () => {
  const loaded = await loadPipelines(
    json({ name: 'Demo', properties, type: 'Microsoft.DataFactory/factories/pipelines' }),
    {
      fileName: 'pipeline/Demo.json',
    },
  );
  assert.equal(loaded.format, 'git');
  assert.deepEqual(loaded.pipelines, [{ name: 'Demo', properties }]);
});

test('the REST resource shape drops id, etag and type', async () => {
  const loaded = await loadPipelines(
    json({
      id: '/subscriptions/s/…/pipelines/Demo',
      name: 'Demo',
      type: 'Microsoft.DataFactory/factories/pipelines',
      etag: '"0a"',
      properties,
    }),
  );
  assert.equal(loaded.format, 'rest');
  assert.deepEqual(loaded.pipelines, [{ name: 'Demo', properties }]);
});

test('bytes in UTF-16 with a BOM load like UTF-8', async () => {
  const text = json({ name: 'Wide', properties: { activities: [] } });
  const bytes = new Uint8Array(2 + text.length * 2);
  bytes.set([0xff, 0xfe]);
  for (let index = 0; index < text.length; index++) bytes[2 + index * 2] = text.charCodeAt(index);
  assert.equal((await loadPipelines(bytes)).pipelines[0]?.name, 'Wide');
});

function armTemplate(
  resourceProperties: unknown[],
  parameters: Record<string, unknown> = { factoryName: { type: 'string' } },
): unknown {
  return {
    $schema: 'http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters,
    variables: { factoryId: "[concat('Microsoft.DataFactory/factories/', parameters('factoryName'))]" },
    resources: resourceProperties,
  };
}

function pipelineResource(name: string, props: unknown): unknown {
  return {
    name: `[concat(parameters('factoryName'), '/${name}')]`,
    type: 'Microsoft.DataFactory/factories/pipelines',
    apiVersion: '2018-06-01',
    properties: props,
    dependsOn: ["[concat(variables('factoryId'), '/linkedServices/LS')]"],
  };
}

test('an ARM template gives every pipeline it holds, nested ones included, other resources ignored', async () => {
  const template = armTemplate([
    {
      name: "[concat(parameters('factoryName'), '/LS')]",
      type: 'Microsoft.DataFactory/factories/linkedServices',
      properties: { type: 'AzureBlobStorage' },
    },
    pipelineResource('First', { activities: [] }),
    {
      name: "[parameters('factoryName')]",
      type: 'Microsoft.DataFactory/factories',
      resources: [{ name: 'Second', type: 'pipelines', properties: { activities: [] } }],
    },
    {
      name: "[concat(parameters('factoryName'), '/', 'Third')]",
      type: 'Microsoft.DataFactory/factories/pipelines',
      properties: { activities: [] },
    },
  ]);
  const loaded = await loadPipelines(json(template), { fileName: 'ARMTemplateForFactory.json' });
  assert.equal(loaded.format, 'arm');
  assert.deepEqual(
    loaded.pipelines.map((pipeline) => pipeline.name),
    ['First', 'Second', 'Third'],
  );
});

test('ARM expressions in properties are resolved from the parameters file, a plain map or defaults', async () => {
  const props = {
    activities: [
      {
        name: 'Call',
        type: 'WebActivity',
        typeProperties: {
          method: 'GET',
          url: "[parameters('Demo_url')]",
          retries: "[parameters('Demo_retries')]",
        },
      },
    ],
    description: '[[literal in brackets]',
  };
  const template = armTemplate([pipelineResource('Demo', props)], {
    factoryName: { type: 'string' },
    Demo_url: { type: 'string' },
    Demo_retries: { type: 'int', defaultValue: 2 },
  });
  const fromFile = await loadPipelines(json(template), {
    armParameters: {
      $schema: 'https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#',
      parameters: { Demo_url: { value: 'https://a.test' } },
    },
  });
  const activity = fromFile.pipelines[0]?.properties.activities[0];
  assert.deepEqual(activity?.typeProperties, { method: 'GET', url: 'https://a.test', retries: 2 });
  assert.equal(fromFile.pipelines[0]?.properties.description, '[literal in brackets]');
  const keyVault = {
    $schema: 'https://x/deploymentParameters.json#',
    parameters: { Demo_url: { reference: { keyVault: { id: 'kv' }, secretName: 's' } } },
  };
  await expectError(
    () => loadPipelines(json(template), { fileName: 't.json', armParameters: keyVault }),
    /the ARM parameter 'Demo_url' has no value/,
  );
  const fromMap = await loadPipelines(json(template), {
    armParameters: { demo_url: 'https://b.test', Demo_retries: 5 },
  });
  assert.deepEqual(fromMap.pipelines[0]?.properties.activities[0]?.typeProperties, {
    method: 'GET',
    url: 'https://b.test',
    retries: 5,
  });
});

test('an ARM expression without a value is rejected naming the pipeline, the property and the fix', async () => {
  const props = {
    activities: [
      {
        name: 'Call',
        type: 'WebActivity',
        typeProperties: { url: "[parameters('Demo_url')]", x: "[uniqueString('a')]" },
      },
    ],
  };
  await expectError(
    () => loadPipelines(json(armTemplate([pipelineResource('Demo', props)])), { fileName: 't.json' }),
    new RegExp(
      [
        '^The ARM template t\\.json is not valid \\(2 problems\\):',
        "- Pipeline 'Demo' in t\\.json, properties\\.activities\\[0\\]\\.typeProperties\\.url: the ARM parameter 'Demo_url' has no value: pass it in the ARM parameters \\(file\\) or give it a defaultValue\\.",
        "- Pipeline 'Demo' in t\\.json, properties\\.activities\\[0\\]\\.typeProperties\\.x: the ARM function 'uniqueString'",
      ].join('\\n'),
    ),
  );
});

test('an ARM template without pipelines, and an ARM parameters file, are explained', async () => {
  await expectError(
    () => loadPipelines(json(armTemplate([])), { fileName: 't.json' }),
    /t\.json holds no resource of type Microsoft\.DataFactory\/factories\/pipelines/,
  );
  await expectError(
    () =>
      loadPipelines(
        json({
          $schema: 'https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#',
          parameters: {},
        }),
        { fileName: 'p.json' },
      ),
    /p\.json is an ARM parameters file: import the ARM template and pass this file as its ARM parameters/,
  );
});

test('Fabric pipeline-content.json takes its name from .platform, the option, or the folder', async () => {
  const content = json({ properties: { activities: [] } });
  const platform = json({
    metadata: { type: 'DataPipeline', displayName: 'From Platform' },
    config: { version: '2.0', logicalId: 'abc' },
  });
  const withPlatform = await loadPipelines(content, { fileName: 'pipeline-content.json', platform });
  assert.equal(withPlatform.format, 'fabric');
  assert.equal(withPlatform.pipelines[0]?.name, 'From Platform');
  assert.equal((await loadPipelines(content, { name: 'Given' })).pipelines[0]?.name, 'Given');
  assert.equal(
    (await loadPipelines(content, { fileName: 'ws/Nightly.DataPipeline/pipeline-content.json' })).pipelines[0]
      ?.name,
    'Nightly',
  );
  await expectError(
    () => loadPipelines(content, { fileName: 'pipeline-content.json' }),
    /has "properties" but no "name" .*pass its \.platform file/,
  );
  await expectError(
    () => loadPipelines(platform, { fileName: '.platform' }),
    /\.platform is a Fabric \.platform file/,
  );
});

test('a template-gallery zip gives the pipeline and its manifest (duplicate keys tolerated)', async () => {
  const template = armTemplate([pipelineResource('Run-BatchEndpoint', { activities: [] })]);
  const zip = writeZip([
    { name: 'Run-BatchEndpoint.json', data: json(template) },
    {
      name: 'manifest.json',
      data: '{"name": "Run-BatchEndpoint", "author": "a", "author": "b", "description": "d"}',
    },
    { name: 'icon.png', data: new Uint8Array([0x89, 0x50]), stored: true },
  ]);
  const loaded = await loadPipelines(zip, { fileName: 'Run-BatchEndpoint-MI.zip' });
  assert.equal(loaded.format, 'zip');
  assert.deepEqual(loaded.pipelines, [{ name: 'Run-BatchEndpoint', properties: { activities: [] } }]);
  assert.deepEqual(loaded.manifest, { name: 'Run-BatchEndpoint', author: 'b', description: 'd' });
});

test('a zip uses its own ARM parameters file, pairs Fabric .platform files and skips non-pipelines', async () => {
  const template = armTemplate([
    pipelineResource('Arm', { activities: [], description: "[parameters('desc')]" }),
  ]);
  const zip = writeZip([
    { name: 'factory/ARMTemplateForFactory.json', data: json(template) },
    {
      name: 'factory/ARMTemplateParametersForFactory.json',
      data: json({
        $schema: 'https://x/deploymentParameters.json#',
        parameters: { desc: { value: 'from zip' } },
      }),
    },
    { name: 'Fab.DataPipeline/pipeline-content.json', data: json({ properties: { activities: [] } }) },
    { name: 'Fab.DataPipeline/.platform', data: json({ metadata: { displayName: 'Fabby' }, config: {} }) },
    { name: 'linkedService/LS.json', data: json({ name: 'LS', properties: { type: 'AzureBlobStorage' } }) },
    { name: 'pipeline/Git.json', data: json({ name: 'Git', properties: { activities: [] } }) },
  ]);
  const loaded = await loadPipelines(zip, { fileName: 'export.zip' });
  assert.deepEqual(
    loaded.pipelines.map((pipeline) => pipeline.name),
    ['Arm', 'Fabby', 'Git'],
  );
  assert.equal(loaded.pipelines[0]?.properties.description, 'from zip');
  assert.equal(loaded.manifest, undefined);
});

test('a zip without pipelines lists what it holds; bad JSON inside names the entry', async () => {
  await expectError(
    () => loadPipelines(writeZip([{ name: 'manifest.json', data: '{}' }]), { fileName: 'x.zip' }),
    /x\.zip holds no pipeline definition \(it has manifest\.json\)/,
  );
  await expectError(
    () => loadPipelines(writeZip([{ name: 'p.json', data: '{' }]), { fileName: 'x.zip' }),
    /^x\.zip:p\.json is not valid JSON/,
  );
});

test('documents that are not pipelines are refused with the reason', async () => {
  await expectError(
    () => loadPipelines('[1]', { fileName: 'a.json' }),
    /a\.json must hold a JSON object, not a list/,
  );
  await expectError(
    () =>
      loadPipelines(json({ name: 'LS', properties: { type: 'AzureBlobStorage' } }), { fileName: 'ls.json' }),
    /Pipeline 'LS' in ls\.json is a 'AzureBlobStorage' definition .*not a pipeline/,
  );
  await expectError(
    () => loadPipelines(json({ name: 'P', properties: { activities: {} } }), { fileName: 'p.json' }),
    /Pipeline 'P' in p\.json: properties\.activities must be a list of activities, not an object/,
  );
  await expectError(
    () => loadPipelines(json({ name: 'P', properties: 'x' }), { fileName: 'p.json' }),
    /is not a pipeline definition/,
  );
  await expectError(
    () => loadPipelines(json({ foo: 1 }), { fileName: 'f.json' }),
    /f\.json is not a pipeline definition: expected \{"name", "properties"\}/,
  );
});

test('a pipeline without activities reads as an empty list', () => {
  assert.deepEqual(loadPipelineDocument({ name: 'Empty', properties: {} }).pipelines, [
    { name: 'Empty', properties: { activities: [] } },
  ]);
});

test('two pipelines whose names differ only in case are refused', async () => {
  const template = armTemplate([
    pipelineResource('Same', { activities: [] }),
    pipelineResource('SAME', { activities: [] }),
  ]);
  await expectError(
    () => loadPipelines(json(template), { fileName: 't.json' }),
    /t\.json holds two pipelines named 'Same' and 'SAME'; pipeline names ignore case/,
  );
});

function deepObject(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

test('a definition nested 10,000 deep is refused naming the activity, the property and the limit', async () => {
  // JSON.stringify itself overflows at this depth, so the file text is written by hand.
  const body = `${'{"a":'.repeat(10_000)}"x"${'}'.repeat(10_000)}`;
  const text =
    '{"name": "P", "properties": {"activities": [{"name": "Loop", "type": "ForEach", "typeProperties": ' +
    `{"activities": [{"name": "Post", "type": "WebActivity", "typeProperties": {"body": ${body}}}]}}]}}`;
  await expectError(
    () => loadPipelines(text, { fileName: 'p.json' }),
    /p\.json is not valid: Activity 'Post': typeProperties\.body\.a\.a\.a\.a….a\.a nests deeper than 64 levels/,
  );
  assert.throws(
    () =>
      loadPipelineDocument({
        name: 'P',
        properties: { parameters: { p: { defaultValue: deepObject(100) } } },
      }),
    /properties\.parameters\.p\.defaultValue\.a\.a….a\.a nests deeper than 64 levels/,
  );
  assert.equal(
    (await loadPipelines(json({ name: 'P', properties: { x: deepObject(60) } }))).pipelines.length,
    1,
  );
});
