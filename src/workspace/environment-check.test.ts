import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ValidationError } from '../core/errors.ts';
import type { EnvironmentVersion } from '../core/resources.ts';
import { needs, PYTHON_LIBRARIES } from '../../test/helpers/components.ts';
import {
  checkCondaPackages,
  findMissingModules,
  importNameOf,
  parseCondaPackages,
  requireEnvironmentPackages,
} from './environment-check.ts';

const PYTHON = '/usr/bin/python3';
/** The tests that expect numpy, pandas and scikit-learn to be importable. */
const withLibraries = await needs(PYTHON_LIBRARIES);

const AZURE_CONDA = `name: mlflow-env
channels:
  - conda-forge
dependencies:
  - python=3.12
  - pip<22.0
  - conda-forge::numpy>=1.21=py39_0
  - scikit-learn==1.2
  - cudatoolkit=11.3
  - pip:
    - mlflow
    - mlflow-skinny==2.1
    - cloudpickle==1.6.0
    - pandas>=1.5 ; python_version >= "3.8"
    - PyYAML
    - azureml-core==1.48
    - azureml-dataset-runtime[fuse]
    - azureml_inference_server_http
    - inference-schema[numpy-support]
    - applicationinsights
    - opencv-python-headless[extra]==4.7
    - --extra-index-url https://example.com/simple
    - -r requirements.txt
    - git+https://github.com/example/tool.git#egg=example-tool
    - https://example.com/wheels/my_pkg-1.0-py3-none-any.whl
    - https://example.com/archive.tar.gz
    - ocrlib @ https://example.com/ocrlib.zip
    - numpy
`;

function fails(field: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.field, field);
    assert.match(error.message, pattern);
    return true;
  };
}

void describe('parseCondaPackages', () => {
  test('reads conda and pip entries, drops what Nightshift provides, dedupes by module', () => {
    assert.deepEqual(
      parseCondaPackages(AZURE_CONDA).map((p) => [p.name, p.importName, p.from]),
      [
        ['numpy', 'numpy', 'conda'],
        ['scikit-learn', 'sklearn', 'conda'],
        ['cloudpickle', 'cloudpickle', 'pip'],
        ['pandas', 'pandas', 'pip'],
        ['PyYAML', 'yaml', 'pip'],
        ['opencv-python-headless', 'cv2', 'pip'],
        ['example-tool', 'example_tool', 'pip'],
        ['my_pkg', 'my_pkg', 'pip'],
        ['ocrlib', 'ocrlib', 'pip'],
      ],
    );
  });

  test('an empty dependencies list has nothing to check', () => {
    assert.deepEqual(parseCondaPackages('dependencies: []\n'), []);
  });

  test('refuses files that are not YAML or have no dependencies list', () => {
    const field = 'properties.condaFile';
    assert.throws(() => parseCondaPackages('dependencies: [python\n'), fails(field, /is not valid YAML/));
    assert.throws(() => parseCondaPackages('name: x\n'), fails(field, /has no 'dependencies' list/));
    assert.throws(() => parseCondaPackages('just text'), fails(field, /has no 'dependencies' list/));
    assert.throws(() => parseCondaPackages('dependencies: numpy\n'), fails(field, /is not a list/));
    assert.throws(
      () => parseCondaPackages('dependencies:\n  - conda: [numpy]\n'),
      fails(field, /'conda:' in dependencies\[0\]; only 'pip:'/),
    );
    assert.throws(
      () => parseCondaPackages('dependencies:\n  - pip: numpy\n'),
      fails(field, /'pip:' entry in dependencies\[0\] that is not a list/),
    );
    assert.throws(
      () => parseCondaPackages('dependencies:\n  - ">=1.0"\n'),
      fails(field, /'>=1.0', which is not a conda package/),
    );
  });

  // A self-referencing alias made a circular value that JSON.stringify then threw on (a 500).
  test('refuses self-referencing and exponentially expanding YAML aliases', () => {
    const field = 'properties.condaFile';
    assert.throws(
      () => parseCondaPackages('a: &a [*a]\ndependencies: *a\n'),
      fails(field, /not valid YAML: .*refers to its own anchor/),
    );
    assert.throws(
      () => parseCondaPackages('dependencies: &d\n  - pip: *d\n'),
      fails(field, /refers to its own anchor/),
    );
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg']) {
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    assert.throws(
      () => parseCondaPackages(`${bomb.join('\n')}\ndependencies: *g\n`),
      fails(field, /more than 100 YAML aliases/),
    );
  });
});

test('importNameOf maps distribution names to modules', () => {
  const cases: Record<string, string> = {
    'scikit-learn': 'sklearn',
    scikit_learn: 'sklearn',
    pyyaml: 'yaml',
    PyYAML: 'yaml',
    Pillow: 'PIL',
    'opencv-python': 'cv2',
    'opencv-python-headless': 'cv2',
    'python-dateutil': 'dateutil',
    beautifulsoup4: 'bs4',
    'scikit-image': 'skimage',
    protobuf: 'google.protobuf',
    'tensorflow-cpu': 'tensorflow',
    torchvision: 'torchvision',
    pytorch: 'torch',
    'pytorch-lightning': 'pytorch_lightning',
    'azure-storage-blob': 'azure.storage.blob',
    'typing-extensions': 'typing_extensions',
    SQLAlchemy: 'sqlalchemy',
    'zope.interface': 'zope.interface',
  };
  for (const [distribution, module] of Object.entries(cases)) {
    assert.equal(importNameOf(distribution), module, distribution);
  }
});

void describe('the interpreter query (Debian python3)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nightshift-envcheck-'));
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('present, missing and ignored packages', withLibraries, async () => {
    const conda = `dependencies:
  - python=3.11
  - numpy
  - pip:
    - pandas>=1.5
    - scikit-learn==1.2
    - nightshift-not-a-package==0.1
    - azureml-core==1.48
`;
    assert.deepEqual(await checkCondaPackages(PYTHON, conda), {
      missing: ['nightshift-not-a-package'],
      checked: ['numpy', 'pandas', 'scikit-learn', 'nightshift-not-a-package'],
    });
  });

  test('a dotted module whose parent is missing counts as missing', async () => {
    assert.deepEqual(await findMissingModules(PYTHON, ['json', 'nightshift_missing.sub', 'os.path']), [
      'nightshift_missing.sub',
    ]);
  });

  test('an interpreter that does not exist or is not Python', async () => {
    const field = 'properties.pythonExecutable';
    await assert.rejects(
      checkCondaPackages('/nonexistent/python', 'dependencies: [numpy]'),
      fails(
        field,
        /'\/nonexistent\/python' does not exist\. Set the environment's python_executable.*NIGHTSHIFT_PYTHON/,
      ),
    );
    const notPython = join(scratch, 'not-python');
    writeFileSync(notPython, '#!/bin/sh\necho "no such option: $1" >&2\nexit 2\n');
    chmodSync(notPython, 0o755);
    await assert.rejects(
      findMissingModules(notPython, ['numpy']),
      fails(field, /could not run a module check \(no such option: -c\); it must be Python 3/),
    );
    const plain = join(scratch, 'plain-file');
    writeFileSync(plain, 'not a program');
    await assert.rejects(findMissingModules(plain, []), fails(field, /is not an executable file/));
  });
});

void describe('requireEnvironmentPackages', () => {
  const env = (condaFile: string, extra: Record<string, unknown> = {}): EnvironmentVersion => ({
    name: 'env',
    version: '2',
    image: 'python:3.11',
    condaFile,
    description: '',
    tags: {},
    extra,
    systemData: {} as EnvironmentVersion['systemData'],
  });
  const field = 'properties.environmentId';

  test('names every missing package, the interpreter and the fix', withLibraries, async () => {
    const conda = 'dependencies:\n  - numpy\n  - pip: [nightshift-not-a-package, scikit-image]\n';
    await assert.rejects(
      requireEnvironmentPackages(env(conda), PYTHON, field),
      fails(
        field,
        /^Environment 'env:2': its conda file lists packages that the Python interpreter \/usr\/bin\/python3 cannot import: nightshift-not-a-package, scikit-image \(module skimage\)\. .*python_executable/,
      ),
    );
    await requireEnvironmentPackages(env('dependencies: [numpy, pip: [pandas]]'), PYTHON, field);
  });

  test(
    'python_executable wins over the default, and is checked even without a conda file',
    withLibraries,
    async () => {
      await requireEnvironmentPackages(
        env('dependencies: [numpy]', { pythonExecutable: PYTHON }),
        '/x',
        field,
      );
      await assert.rejects(
        requireEnvironmentPackages(env('', { pythonExecutable: '/nonexistent/python' }), PYTHON, field),
        fails(field, /^Environment 'env:2': Python interpreter '\/nonexistent\/python' does not exist/),
      );
      await assert.rejects(
        requireEnvironmentPackages(
          env('dependencies: [numpy]', { PythonExecutable: '/nope' }),
          PYTHON,
          field,
        ),
        fails(field, /Python interpreter '\/nope' does not exist/),
      );
      await requireEnvironmentPackages(env(''), '/nonexistent/default', field);
      await assert.rejects(
        requireEnvironmentPackages(env('', { pythonExecutable: 3 }), PYTHON, field),
        fails(field, /python_executable must be the path/),
      );
    },
  );

  test('conda file errors name the environment', async () => {
    await assert.rejects(
      requireEnvironmentPackages(env('name: x'), PYTHON, field),
      fails(field, /^Environment 'env:2': The environment's conda file has no 'dependencies' list/),
    );
  });
});
