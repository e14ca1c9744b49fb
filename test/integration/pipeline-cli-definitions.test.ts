/**
 * Pipeline definitions through the `nightshift pipeline` CLI against a real server: the shipped templates,
 * what `import` prints (a summary unless `-o` asks for the definitions), definitions the CLI refuses before
 * sending them (every problem named, nesting past the limit included), and deleting with confirmation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli, type CliResult } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { ARM_TEMPLATE, armPipeline, wait, type Pipeline } from '../support/pipelines/cli-fixtures.ts';

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-pipeline-cli-'));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

function scratchFile(name: string, document: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

describe('what import prints', () => {
  it('a summary of each pipeline, not its definition, unless -o asks for it', async () => {
    const result = await cli('pipeline', 'import', '--file', scratchFile('arm.json', ARM_TEMPLATE));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Name\s+Activities\s+Parameters\n/);
    assert.match(result.stdout, /^Child\s+2\s+seconds, label$/m);
    assert.match(result.stdout, /^Parent\s+1\s+seconds$/m);
    assert.doesNotMatch(result.stdout, /typeProperties|"activities"/);
    assert.equal(result.stdout.trim().split('\n').length, 4, 'a header, its rule and one line per pipeline');
    assert.match(
      result.stderr,
      /Imported 2 pipeline\(s\)\. 'nightshift pipeline show -n Child' shows one; -o json/,
    );
    const full = jsonOf(
      await cli('pipeline', 'import', '--file', scratchFile('arm.json', ARM_TEMPLATE), '-o', 'json'),
    ) as Pipeline[];
    assert.equal(full[1]?.properties.activities[0]?.name, 'Run child');
    const names = await cli(
      'pipeline',
      'import',
      '--template',
      'Run-BatchEndpoint-Hardened-MI',
      '--name',
      'H',
      '--query',
      '[].name',
      '-o',
      'tsv',
    );
    assert.equal(names.stdout, 'H\n');
  });
});

describe('templates', () => {
  it('lists the shipped templates', async () => {
    const templates = jsonOf(await cli('pipeline', 'template', 'list')) as {
      name: string;
      pipelineName: string;
    }[];
    assert.deepEqual(
      templates.map((t) => t.name),
      [
        'Run-BatchEndpoint-MI',
        'Run-BatchEndpoint-SP',
        'Run-BatchEndpoint-Hardened-MI',
        'Run-BatchEndpoint-Hardened-SP',
        'Copy-Score-Copy',
      ],
    );
    assert.ok(
      templates.every(
        (t) => t.pipelineName === (t.name === 'Copy-Score-Copy' ? t.name : 'Run-BatchEndpoint'),
      ),
    );
  });

  it('imports Run-BatchEndpoint-MI as Run-BatchEndpoint, then shows it', async () => {
    const imported = jsonOf(
      await cli('pipeline', 'import', '--template', 'Run-BatchEndpoint-MI', '-o', 'json'),
    ) as Pipeline[];
    assert.deepEqual(
      imported.map((p) => p.name),
      ['Run-BatchEndpoint'],
    );
    const shown = jsonOf(await cli('pipeline', 'show', '-n', 'Run-BatchEndpoint')) as Pipeline;
    assert.equal(shown.name, 'Run-BatchEndpoint');
    assert.ok(shown.properties.activities.length > 0);
    assert.ok(shown.properties.parameters?.['endpoint_uri'], JSON.stringify(shown.properties.parameters));
  });

  it('builds the service-principal template for the server it imports into, under --name', async () => {
    const [imported] = jsonOf(
      await cli('pipeline', 'import', '--template', 'Run-BatchEndpoint-SP', '--name', 'Run-SP', '-o', 'json'),
    ) as Pipeline[];
    assert.equal(imported?.name, 'Run-SP');
    assert.equal(imported.properties.parameters?.['token_authority']?.defaultValue, server.url);
  });
});

describe('definitions the CLI refuses', () => {
  it('names the activity and property of each problem, and imports nothing from the file', async () => {
    const file = scratchFile('broken.json', {
      ...ARM_TEMPLATE,
      resources: [
        armPipeline('Fine', { activities: [wait('Nap', 0)] }),
        armPipeline('Broken', { activities: [{ name: 'Pause', type: 'Wait', typeProperties: {} }] }),
      ],
    });
    const result = await cli('pipeline', 'import', '--file', file);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /Pipeline 'Broken'/);
    assert.match(result.stderr, /Activity 'Pause': typeProperties\.waitTimeInSeconds is required/);
    const names = (jsonOf(await cli('pipeline', 'list')) as Pipeline[]).map((p) => p.name);
    assert.ok(!names.includes('Fine') && !names.includes('Broken'), names.join(', '));
  });

  it('refuses a definition nested 10,000 deep, naming the activity, the property and the limit', async () => {
    // JSON.stringify overflows at this depth, so the file is written as text.
    const body = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const file = join(scratch, 'deep.json');
    writeFileSync(
      file,
      `{"name": "Deep", "properties": {"activities": [{"name": "Post", "type": "WebActivity", "typeProperties": {"method": "POST", "url": "http://h/", "body": ${body}}}]}}`,
    );
    const result = await cli('pipeline', 'import', '--file', file);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /Activity 'Post': typeProperties\.body\.a\.a.* nests deeper than 64 levels/);
    assert.doesNotMatch(result.stderr, /Maximum call stack|RangeError/);
  });

  it('deletes only with confirmation', async () => {
    const unconfirmed = await cli('pipeline', 'delete', '-n', 'Run-SP');
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    assert.equal((await cli('pipeline', 'delete', '-n', 'Run-SP', '--yes')).code, 0);
    const gone = await cli('pipeline', 'show', '-n', 'Run-SP');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Pipeline 'Run-SP' does not exist.*\(HTTP 404\)/);
  });
});
