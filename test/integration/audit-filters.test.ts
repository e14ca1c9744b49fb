/**
 * The audit log's filters and paging through the real server, as the studio's audit page and
 * `nightshift audit list` use them: by resource (text of the scope or path) and end time, and pages that
 * follow `nextLink` with the same filters, newest first, with no entry twice or missed. Bad filters are a
 * 400 naming the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

interface Page {
  value: { time: string; path: string; action: string; result: string; seq?: number }[];
  nextLink: string | null;
}

before(async () => {
  server = await startServer();
  for (const name of ['audit-one', 'audit-two', 'audit-three']) {
    const put = await server.call('PUT', `${server.ws}/batchEndpoints/${name}`, {
      location: 'local',
      properties: { authMode: 'AADToken' },
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
  }
});

after(async () => {
  await server.stop();
});

const audit = async (query: string) => {
  const reply = await server.call('GET', `/nightshift/auditLogs?${query}`);
  return reply as {
    status: number;
    body: Page & { error?: { message: string; details?: { target?: string }[] } };
  };
};

void describe('audit log filters', () => {
  it('finds the entries of one resource, ignoring case', async () => {
    const { status, body } = await audit('resource=AUDIT-TWO');
    assert.equal(status, 200);
    assert.ok(body.value.length >= 1);
    assert.ok(body.value.every((e) => e.path.toLowerCase().includes('audit-two')));
  });

  it('pages with nextLink, keeping the filters, newest first and without repeats', async () => {
    const all = (await audit('action=batchEndpoints/write')).body.value;
    assert.ok(all.length >= 3);
    const seen: string[] = [];
    let next: string | null = '/nightshift/auditLogs?action=batchEndpoints/write&limit=1';
    while (next !== null) {
      const reply = await server.call('GET', next);
      const page = reply.body as Page;
      assert.ok(page.value.length <= 1);
      seen.push(...page.value.map((e) => e.path));
      next = page.nextLink;
    }
    assert.deepEqual(
      seen,
      all.map((e) => e.path),
    );
  });

  it('until leaves out what came at or after it', async () => {
    const all = (await audit('action=batchEndpoints/write')).body.value;
    const newest = all[0];
    assert.ok(newest);
    const before = (await audit(`action=batchEndpoints/write&until=${encodeURIComponent(newest.time)}`)).body;
    assert.ok(before.value.every((e) => e.time < newest.time));
  });

  it('nightshift audit list takes --resource and --until', async () => {
    const rows = jsonOf(
      await runCli(['audit', 'list', '--resource', 'audit-three', '--until', '0m', '-o', 'json'], {
        server: server.url,
      }),
    ) as { path: string }[];
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => r.path.includes('audit-three')));
    const none = jsonOf(
      await runCli(['audit', 'list', '--resource', 'audit-three', '--until', '2000-01-01T00:00:00Z'], {
        server: server.url,
      }),
    );
    assert.deepEqual(none, []);
    const bad = await runCli(['audit', 'list', '--until', 'soon'], { server: server.url });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /argument --until: 'soon'/);
  });

  it('refuses a bad time or page token, naming the parameter', async () => {
    for (const [query, target] of [
      ['until=yesterday', 'until'],
      ['$skipToken=abc', '$skipToken'],
      ['$skipToken=-1', '$skipToken'],
    ] as const) {
      const { status, body } = await audit(query);
      assert.equal(status, 400, query);
      assert.equal(body.error?.details?.[0]?.target, target, JSON.stringify(body));
    }
  });
});
