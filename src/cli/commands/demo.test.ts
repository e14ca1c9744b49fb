/**
 * The demo's last hint, for each way the demo can end: it used a server that keeps running, or it
 * started the service itself on the default or on a given data dir and port, which has stopped since.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextSteps } from './demo.ts';

test('a server that keeps running: only the job command, with --server unless it is the default', () => {
  assert.equal(
    nextSteps('j1', { url: 'http://127.0.0.1:8080' }, '/repo'),
    '\nNext: ./bin/nightshift job show -n j1 -o table\n' +
      "Studio: http://127.0.0.1:8080/studio/jobs/j1 (sign in with the URL that server's serve printed)\n",
  );
  assert.match(
    nextSteps('j1', { url: 'http://10.0.0.5:9000' }, '/repo'),
    /-o table --server http:\/\/10\.0\.0\.5:9000\nStudio: http:\/\/10\.0\.0\.5:9000\/studio\/jobs\/j1 /,
  );
});

test('its own service on the defaults: start it again, then show the job, with no flags', () => {
  const text = nextSteps('j2', { url: 'http://127.0.0.1:8080', dataDir: '/repo/.nightshift' }, '/repo');
  assert.match(text, /service has stopped; the job and its output stay in \.nightshift\./);
  assert.match(text, /^ {2}\.\/bin\/nightshift serve {8}# in one terminal/m);
  assert.match(text, /^ {2}\.\/bin\/nightshift job show -n j2 -o table {8}# in another$/m);
});

test('its own service on another port and data dir: both commands carry them', () => {
  const text = nextSteps('j3', { url: 'http://127.0.0.1:9100', dataDir: '/data/ns' }, '/repo');
  assert.match(text, /^ {2}\.\/bin\/nightshift serve --data-dir \/data\/ns --port 9100 /m);
  assert.match(
    text,
    /^ {2}\.\/bin\/nightshift job show -n j3 -o table --server http:\/\/127\.0\.0\.1:9100 --data-dir \/data\/ns /m,
  );
  const inside = nextSteps('j4', { url: 'http://127.0.0.1:8080', dataDir: '/repo/tmp/d' }, '/repo');
  assert.match(inside, /serve --data-dir tmp\/d /);
});
