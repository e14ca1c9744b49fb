/**
 * Activity `policy` (spec §1.6): timeout as a timespan or expression, retry ≥ 0, retryIntervalInSeconds
 * from 30 to 86400, secureInput/secureOutput as booleans. Checked on whatever activity carries a policy;
 * control activities simply have none.
 */
import { isJsonObject } from './json-text.ts';
import { checkBoolean, checkInteger, checkTimespan } from './validate-properties.ts';
import type { ActivitySite, ProblemSink } from './validation-context.ts';

const MIN_RETRY_INTERVAL_SECONDS = 30;
const MAX_RETRY_INTERVAL_SECONDS = 86_400;

export function checkPolicy(site: ActivitySite, sink: ProblemSink): void {
  const policy = site.activity['policy'];
  if (policy === undefined) return;
  if (!isJsonObject(policy)) {
    sink.activity(site, 'policy', 'must be an object such as {"timeout": "0.12:00:00", "retry": 0}.');
    return;
  }
  checkTimespan(sink, site, 'policy.timeout', policy['timeout']);
  checkInteger(sink, site, 'policy.retry', policy['retry'], { min: 0 });
  checkInteger(sink, site, 'policy.retryIntervalInSeconds', policy['retryIntervalInSeconds'], {
    min: MIN_RETRY_INTERVAL_SECONDS,
    max: MAX_RETRY_INTERVAL_SECONDS,
  });
  checkBoolean(sink, site, 'policy.secureInput', policy['secureInput']);
  checkBoolean(sink, site, 'policy.secureOutput', policy['secureOutput']);
}
