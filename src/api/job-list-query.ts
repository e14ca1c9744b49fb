/**
 * The jobs list's query: filters (endpoint, deployment, status, creator, model and version, since,
 * until), the page size (`$top`) and Azure's paging token (`$skipToken`, which `nextLink` carries).
 * Parsing lives here, apart from the routes, so every list route reads a query the same way and every
 * refusal is a 400 that names the parameter and says how to fix it. The token is opaque to callers: a
 * position in creation order, encoded so nobody takes it for a number to edit, and checked when it
 * comes back.
 */
import { Type } from '@sinclair/typebox';
import { ValidationError } from '../core/errors.ts';
import { JOB_STATUSES, type JobStatus } from '../core/jobs.ts';
import type { JobListFilter } from '../store/contract.ts';
import { integerQuery, query, wholeQuery } from './schemas.ts';

/** A page when the caller names no `$top` (docs/decisions.md, "Jobs list"). */
const DEFAULT_PAGE_SIZE = 100;
/** The largest page one answer holds (what the list returned at most before it had pages). */
const MAX_PAGE_SIZE = 10_000;
/** Longer than any ARM name or principal name, so a value this long is a mistake or an attack. */
const MAX_NAME = 260;

const text = (description: string) => Type.Optional(Type.String({ description }));

/** The query schema of every jobs list route; the values are checked by `parseJobListQuery`. */
export const JobListQuery = query({
  endpoint: text('Only jobs of this endpoint (any case).'),
  deployment: text('Only jobs of this deployment (any case).'),
  status: text(`Only jobs with one of these statuses, comma-separated: ${JOB_STATUSES.join(', ')}.`),
  creator: text('Only jobs created by this principal (its name as systemData.createdBy shows it).'),
  model: text('Only jobs scored by this model (its name, any case).'),
  modelVersion: text('With model: only jobs scored by this version of it.'),
  since: text('Only jobs created at or after this ISO 8601 time or date (UTC).'),
  until: text('Only jobs created before this ISO 8601 time, or on or before this date (UTC).'),
  $top: integerQuery(
    1,
    MAX_PAGE_SIZE,
    `At most this many jobs on this page, newest first (default ${DEFAULT_PAGE_SIZE}); follow nextLink for more.`,
  ),
  $skipToken: text("Where the page starts: the token in the previous page's nextLink."),
});

export type RawJobListQuery = Record<string, unknown>;

export interface JobListQueryValue {
  filter: JobListFilter;
  limit: number;
  after?: number;
}

function refuse(name: string, fix: string): never {
  throw new ValidationError(`Query parameter '${name}' ${fix}`, name);
}

/** One value of a parameter: given once, as text (a repeated parameter arrives as an array). */
function single(raw: RawJobListQuery, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') refuse(name, 'must be given once, as text.');
  return value;
}

function name(raw: RawJobListQuery, param: string): string | undefined {
  const value = single(raw, param)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_NAME) refuse(param, `is longer than ${MAX_NAME} characters: give a name.`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) refuse(param, 'holds a control character: give a name.');
  return value;
}

function statuses(raw: RawJobListQuery): JobStatus[] | undefined {
  const value = single(raw, 'status');
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((part) => {
    const match = JOB_STATUSES.find((s) => s.toLowerCase() === part.trim().toLowerCase());
    if (!match) {
      const shown = part.length > 40 ? `${part.slice(0, 40)}…` : part;
      refuse(
        'status',
        `names no job status ('${shown}'): use one or more of ${JOB_STATUSES.join(', ')}, comma-separated.`,
      );
    }
    return match;
  });
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date or date-time as `toISOString()` writes it; a date alone is that day's start (UTC). */
function time(raw: RawJobListQuery, param: 'since' | 'until'): string | undefined {
  const value = single(raw, param)?.trim();
  if (value === undefined || value === '') return undefined;
  const fix = `must be an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T08:00:00Z (a time needs its zone).`;
  if (!DATE_ONLY.test(value) && !DATE_TIME.test(value)) refuse(param, fix);
  const date = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  // Date rolls 2026-02-31 into March: the calendar date must exist as written (checked at noon, so no
  // zone offset moves it to another day).
  const day = new Date(`${value.slice(0, 10)}T12:00:00Z`);
  if (Number.isNaN(date.getTime()) || day.toISOString().slice(0, 10) !== value.slice(0, 10))
    refuse(param, fix);
  // `until=2026-01-31` takes in the whole of that day.
  if (param === 'until' && DATE_ONLY.test(value)) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}

// The schema has made `$top` a whole number in range, or refused the call with a 400 naming it.
function pageSize(raw: RawJobListQuery): number {
  const value = raw.$top;
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof value !== 'number') refuse('$top', `must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  return wholeQuery(value, '$top', MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
}

/** The token of the page after the job at `seq` in creation order. */
function skipTokenFor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString('base64url');
}

function skipToken(raw: RawJobListQuery): number | undefined {
  const value = single(raw, '$skipToken');
  if (value === undefined || value === '') return undefined;
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    after = undefined;
  }
  if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 1)
    refuse(
      '$skipToken',
      'is not a token this server gave: use the nextLink of the previous page, or leave it out to start from the newest job.',
    );
  return after;
}

/** The filters, page size and start of a jobs list call, or a 400 naming the first bad parameter. */
export function parseJobListQuery(raw: RawJobListQuery): JobListQueryValue {
  const filter: JobListFilter = {};
  const endpoint = name(raw, 'endpoint');
  const deployment = name(raw, 'deployment');
  const creator = name(raw, 'creator');
  const model = name(raw, 'model');
  const modelVersion = name(raw, 'modelVersion');
  if (modelVersion !== undefined && model === undefined)
    refuse('modelVersion', 'needs model: name the model whose version it is.');
  const status = statuses(raw);
  const since = time(raw, 'since');
  const until = time(raw, 'until');
  if (since !== undefined && until !== undefined && until <= since)
    refuse('until', `must be later than since (${since}).`);
  if (endpoint !== undefined) filter.endpoint = endpoint;
  if (deployment !== undefined) filter.deployment = deployment;
  if (creator !== undefined) filter.creator = creator;
  if (model !== undefined) filter.model = model;
  if (modelVersion !== undefined) filter.modelVersion = modelVersion;
  if (status !== undefined) filter.statuses = status;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  const after = skipToken(raw);
  return { filter, limit: pageSize(raw), ...(after === undefined ? {} : { after }) };
}

/**
 * The URL of the next page: this call's own URL with the next page's token in place of its own. The
 * query is kept as the caller spelled it (`$top`, not `%24top`); the token is base64url, safe as it is.
 */
export function nextLinkFor(base: string, url: string, next: number | undefined): string | null {
  if (next === undefined) return null;
  const [path = '', search = ''] = url.split('?', 2);
  const kept = search.split('&').filter((part) => {
    if (part === '') return false;
    const key = part.split('=', 1)[0] ?? '';
    let decoded = key;
    try {
      decoded = decodeURIComponent(key);
    } catch {
      // A key that does not decode is not the token's: kept as sent.
    }
    return decoded !== '$skipToken';
  });
  return `${base}${path}?${[...kept, `$skipToken=${skipTokenFor(next)}`].join('&')}`;
}
