import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createErrorScrubber, createErrorView } from './error-view.ts';

const scrub = createErrorScrubber({
  dataDir: '/srv/ns',
  sourceRoot: '/opt/nightshift/',
  folders: [
    {
      path: '/srv/ns/datastores/workspaceblobstore/in',
      uri: 'azureml://datastores/workspaceblobstore/paths/in',
    },
    {
      path: '/srv/ns/datastores/workspaceartifactstore/code/1',
      uri: 'azureml://datastores/workspaceartifactstore/paths/code/1',
    },
  ],
});
const view = createErrorView(scrub);

test('a JS stack keeps the script frames, mapped to datastore URIs, and loses ours and Node internals', () => {
  const shown = view({
    code: 'UserScriptError',
    message: "ENOENT: no such file or directory, open '/srv/ns/datastores/workspaceblobstore/in/a b.csv'",
    stack: [
      'Error: cannot score a.csv',
      '    at run (file:///srv/ns/datastores/workspaceartifactstore/code/1/score.js:3:9)',
      '    at Object.run (file:///opt/nightshift/src/runtimes/js/js-runtime.ts:100:20)',
      '    at async handleRun (file:///opt/nightshift/src/runtimes/worker-main.ts:12:3)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
    ].join('\n'),
  });
  assert.equal(
    shown.message,
    "ENOENT: no such file or directory, open 'azureml://datastores/workspaceblobstore/paths/in/a b.csv'",
  );
  assert.equal(
    shown.stack,
    'Error: cannot score a.csv\n    at run (azureml://datastores/workspaceartifactstore/paths/code/1/score.js:3:9)',
  );
});

test('a stack made only of our frames is dropped; the message stays', () => {
  const shown = view({
    code: 'ItemFailed',
    message: "The file /srv/ns/datastores/workspaceblobstore/in/x.csv has no column 'c3'.",
    file: 'in/x.csv',
    stack:
      "InputError: no column 'c3'\n    at plan (file:///opt/nightshift/src/runtimes/onnx/input-plan.ts:40:11)",
  });
  assert.equal(
    shown.message,
    "The file azureml://datastores/workspaceblobstore/paths/in/x.csv has no column 'c3'.",
  );
  assert.equal(shown.file, 'in/x.csv');
  assert.equal('stack' in shown, false);
});

test('a Python traceback loses the frames (and source lines) of our scorer, keeps the script and libraries', () => {
  const shown = view({
    code: 'UserScriptError',
    message: 'ValueError: bad value',
    stack: [
      'Traceback (most recent call last):',
      '  File "/opt/nightshift/src/runtimes/python/mlflow_scorer.py", line 50, in predict',
      '    return model.predict(frame)',
      '           ^^^^^^^^^^^^^^^^^^^^',
      '  File "/srv/ns/datastores/workspaceartifactstore/code/1/score.py", line 7, in run',
      '    raise ValueError("bad value")',
      'ValueError: bad value',
    ].join('\n'),
  });
  assert.equal(
    shown.stack,
    [
      'Traceback (most recent call last):',
      '  File "azureml://datastores/workspaceartifactstore/paths/code/1/score.py", line 7, in run',
      '    raise ValueError("bad value")',
      'ValueError: bad value',
    ].join('\n'),
  );
});

test('other paths in the data dir, a worker scratch folder and our install folder are not shown', () => {
  const shown = view({
    code: 'UserScriptError',
    message:
      'cannot write /srv/ns/tmp/workers/w-0a1b2c3d/out.csv near /srv/ns/jobs/j1/parts, see /opt/nightshift/README.md',
  });
  assert.equal(
    shown.message,
    'cannot write $TMPDIR/out.csv near <data-dir>/jobs/j1/parts, see <nightshift>/README.md',
  );
});

test('a folder is not mistaken for a longer name that starts like it', () => {
  const shown = view({ code: 'X', message: 'read /srv/ns/datastores/workspaceblobstore/inputs/a.csv' });
  assert.equal(shown.message, 'read <data-dir>/datastores/workspaceblobstore/inputs/a.csv');
});

test('a stack left with only anonymous frames of ours is dropped', () => {
  const shown = view({
    code: 'ItemFailed',
    message: 'bad line',
    stack:
      'InputFileError: bad line\n    at chunks.next (<anonymous>)\n    at read (file:///opt/nightshift/src/runtimes/readers/csv-reader.ts:1:1)',
  });
  assert.equal(shown.stack, undefined);
});

test('a log entry is the scrubbed stack, or the scrubbed message when the stack held only our frames', () => {
  assert.equal(
    scrub.entry(
      'cannot score /srv/ns/datastores/workspaceblobstore/in/a.csv',
      'Error: cannot score /srv/ns/datastores/workspaceblobstore/in/a.csv\n' +
        '    at run (/srv/ns/datastores/workspaceartifactstore/code/1/score.js:3:9)\n' +
        '    at handleRun (/opt/nightshift/src/runtimes/worker-main.ts:12:3)',
    ),
    'Error: cannot score azureml://datastores/workspaceblobstore/paths/in/a.csv\n' +
      '    at run (azureml://datastores/workspaceartifactstore/paths/code/1/score.js:3:9)',
  );
  assert.equal(
    scrub.entry(
      'no model at /srv/ns/tmp/workers/w-00aa11bb/m.onnx',
      'Error: no model\n    at init (node:internal/modules/run_main:1:1)',
    ),
    'no model at $TMPDIR/m.onnx',
  );
  assert.equal(scrub.entry('plain /opt/nightshift/src/x.ts', undefined), 'plain <nightshift>/src/x.ts');
});
