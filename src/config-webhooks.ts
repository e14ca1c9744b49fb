/**
 * The webhook delivery settings of the configuration: Event Grid's policy by default (a 30 s deadline per
 * POST, retries for up to 24 hours), with the first retry's wait (doubling after each failure, capped)
 * and the time to live shortened by tests and impatient operators. Environment > `webhooks` in the file.
 */
import { ValidationError } from './core/errors.ts';

export interface WebhookConfig {
  /** The wait after the first failed attempt (NIGHTSHIFT_WEBHOOK_RETRY_BASE_MS, 10 000). */
  retryBaseMs: number;
  /** The longest wait between attempts (NIGHTSHIFT_WEBHOOK_RETRY_MAX_DELAY_MS, 1 hour). */
  retryMaxDelayMs: number;
  /** How long an event is retried before it is dead-lettered (NIGHTSHIFT_WEBHOOK_TTL_MS, 24 hours). */
  ttlMs: number;
  /** The deadline of one POST (NIGHTSHIFT_WEBHOOK_TIMEOUT_MS, 30 000, as Event Grid waits). */
  timeoutMs: number;
  /** How often pending deliveries are read from the store (NIGHTSHIFT_WEBHOOK_POLL_MS, 5 000). */
  pollMs: number;
}

const FIELDS = {
  retryBaseMs: ['NIGHTSHIFT_WEBHOOK_RETRY_BASE_MS', 10_000],
  retryMaxDelayMs: ['NIGHTSHIFT_WEBHOOK_RETRY_MAX_DELAY_MS', 3_600_000],
  ttlMs: ['NIGHTSHIFT_WEBHOOK_TTL_MS', 86_400_000],
  timeoutMs: ['NIGHTSHIFT_WEBHOOK_TIMEOUT_MS', 30_000],
  pollMs: ['NIGHTSHIFT_WEBHOOK_POLL_MS', 5_000],
} as const satisfies Record<keyof WebhookConfig, readonly [string, number]>;

function readMs(text: string | number | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 7 * 86_400_000) {
    throw new ValidationError(
      `Invalid ${name} '${String(text)}': use a whole number of milliseconds from 1 to 604800000 (7 days).`,
      name,
    );
  }
  return value;
}

function scalar(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

export function readWebhookConfig(env: Record<string, string | undefined>, file: unknown): WebhookConfig {
  const section = (typeof file === 'object' && file !== null ? file : {}) as Record<string, unknown>;
  const read = (key: keyof WebhookConfig): number => {
    const [envName, fallback] = FIELDS[key];
    return readMs(env[envName] ?? scalar(section[key]), envName, fallback);
  };
  return {
    retryBaseMs: read('retryBaseMs'),
    retryMaxDelayMs: read('retryMaxDelayMs'),
    ttlMs: read('ttlMs'),
    timeoutMs: read('timeoutMs'),
    pollMs: read('pollMs'),
  };
}
