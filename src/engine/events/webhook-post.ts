/**
 * One webhook POST under the server's outbound URL policy, the same one public URL inputs obey
 * (storage/http/url-policy.ts: https only and public addresses only, unless the operator widens it with
 * --allow-http-urls and --allow-url-hosts), plus the linked services' guard (pipelines/data/
 * address-guard.ts): never a cloud metadata address, never this server itself, whatever the operator
 * allowed. The name is resolved and checked before each POST and the connection is made to the checked
 * address, so DNS cannot point the check and the POST at different hosts. Redirects are not followed (a
 * 3xx is a failed delivery, as Event Grid counts it). The whole exchange has one deadline.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ValidationError } from '../../core/errors.ts';
import { checkStoreAddress } from '../../pipelines/data/address-guard.ts';
import { checkedTarget, type CheckedTarget, type UrlPolicy } from '../../storage/http/url-policy.ts';

export interface PostOptions {
  policy: UrlPolicy;
  /** Extra certificate authorities (PEM) for https, as for URL inputs (--url-ca-file). */
  ca?: string;
  /** The server's own URLs (`http://127.0.0.1:8080`): never a webhook target. */
  own: () => readonly string[];
  timeoutMs: number;
}

export interface PostOutcome {
  ok: boolean;
  /** Event Grid's words for the last outcome: Succeeded, Failed (an HTTP answer), TimedOut, Refused, Error. */
  outcome: 'Succeeded' | 'Failed' | 'TimedOut' | 'Refused' | 'Error';
  status?: number;
  detail?: string;
}

function ownHosts(own: readonly string[]): string[] {
  return own.flatMap((u) => {
    const url = new URL(u);
    const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
    return [url.host, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].map((h) => h.toLowerCase());
  });
}

function portOf(url: URL): string {
  return url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
}

function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === '::1' || a.startsWith('127.') || /^::ffff:(127\.|7f)/.test(a);
}

/**
 * Checks a webhook URL as a delivery would (shape, own server, metadata addresses, the URL policy with
 * DNS); returns the address to connect to. Throws a ValidationError naming `field`.
 */
export async function checkWebhookUrl(text: string, field: string, o: PostOptions): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`'${field}' is not a URL; give the full https URL of the receiver.`, field);
  }
  const own = ownHosts(o.own());
  checkStoreAddress(url, field, own);
  const target = await checkedTarget(url, o.policy).catch((error: unknown) => {
    if (error instanceof ValidationError) throw new ValidationError(`'${field}': ${error.message}`, field);
    throw error;
  });
  const ownPorts = o.own().map((u) => portOf(new URL(u)));
  if (isLoopback(target.address) && ownPorts.includes(portOf(url))) {
    throw new ValidationError(
      `'${field}' points at this Nightshift server; give the receiver's address.`,
      field,
    );
  }
  return target;
}

function pinned(target: CheckedTarget): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/** POSTs `body` with `headers`; never throws (the outcome says what happened). `signal` aborts it. */
export async function postWebhook(
  urlText: string,
  body: string,
  headers: Record<string, string>,
  o: PostOptions,
  signal: AbortSignal,
): Promise<PostOutcome> {
  let target: CheckedTarget;
  try {
    target = await checkWebhookUrl(urlText, 'endpointUrl', o);
  } catch (error) {
    return { ok: false, outcome: 'Refused', detail: (error as Error).message };
  }
  // Stopped while the name was being resolved: the abort event has already fired.
  if (signal.aborted) return { ok: false, outcome: 'Error', detail: 'the server stopped' };
  const url = new URL(urlText);
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      resolve(outcome);
    };
    const req = send(url, {
      method: 'POST',
      lookup: pinned(target),
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'nightshift' },
      agent: false,
      ...(isIP(url.hostname) === 0 ? { servername: url.hostname } : {}),
      ...(o.ca === undefined ? {} : { ca: o.ca }),
    });
    const timer = setTimeout(() => {
      req.destroy();
      done({ ok: false, outcome: 'TimedOut', detail: `no answer within ${o.timeoutMs} ms` });
    }, o.timeoutMs);
    const abort = () => {
      req.destroy();
      done({ ok: false, outcome: 'Error', detail: 'the server stopped' });
    };
    signal.addEventListener('abort', abort);
    req.on('error', (error: Error & { code?: string }) => {
      done({ ok: false, outcome: 'Error', detail: error.code ?? error.message });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => {
        const ok = status >= 200 && status < 300;
        done({ ok, outcome: ok ? 'Succeeded' : 'Failed', status });
      });
      res.on('error', () => {
        done({ ok: false, outcome: 'Error', status });
      });
    });
    req.end(body);
  });
}
