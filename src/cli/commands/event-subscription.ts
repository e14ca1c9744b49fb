/**
 * `nightshift event-subscription create|show|list|delete|dead-letters`: signed webhooks on job events, in
 * the spirit of `az eventgrid event-subscription` (`--endpoint`, `--included-event-types`). `--events`
 * takes Nightshift's names (JobStatusChanged, JobCompleted, JobFailed), `--endpoint-name` narrows to one
 * batch endpoint's jobs (Event Grid's StringIn filter on `data.experimentName`), and `--schema` picks
 * Event Grid's or CloudEvents 1.0. The signing secret the server makes is printed once, by create.
 */
import type { Command } from 'commander';
import { CliError } from '../client.ts';
import {
  addResourceCommand,
  confirmDeletion,
  listAll,
  requireOption,
  runAction,
  segment,
  type CommandContext,
  type CommonOptions,
} from './common.ts';
import {
  DEAD_LETTER_TABLE,
  deadLetterEntity,
  SUBSCRIPTION_TABLE,
  subscriptionEntity,
} from '../event-subscription-entity.ts';

interface NameOptions extends CommonOptions {
  name?: string;
}
interface CreateOptions extends NameOptions {
  endpoint?: string;
  events?: string;
  endpointName?: string;
  schema?: string;
  secret?: string;
  maxDeliveryAttempts?: string;
  eventTtl?: string;
}
interface DeleteOptions extends NameOptions {
  yes?: boolean;
}

const SCHEMAS: Record<string, string> = {
  eventgrid: 'EventGridSchema',
  eventgridschema: 'EventGridSchema',
  cloudevents: 'CloudEventSchemaV1_0',
  cloudeventschemav1_0: 'CloudEventSchemaV1_0',
};

async function basePath(context: CommandContext): Promise<string> {
  return `${await context.workspacePath()}/providers/Microsoft.EventGrid/eventSubscriptions`;
}

function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new CliError(`${flag} must be a whole number.`, { exitCode: 2 });
  return value;
}

function createBody(o: CreateOptions) {
  const schema = SCHEMAS[(o.schema ?? 'EventGrid').toLowerCase()];
  if (!schema) throw new CliError('--schema must be EventGrid or CloudEvents.', { exitCode: 2 });
  const attempts = wholeNumber(o.maxDeliveryAttempts, '--max-delivery-attempts');
  const ttl = wholeNumber(o.eventTtl, '--event-ttl');
  return {
    properties: {
      destination: {
        endpointType: 'WebHook',
        properties: {
          endpointUrl: requireOption(o.endpoint, '--endpoint'),
          ...(o.secret === undefined ? {} : { signingSecret: o.secret }),
        },
      },
      filter: {
        includedEventTypes: (o.events ?? 'JobStatusChanged').split(',').map((e) => e.trim()),
        ...(o.endpointName === undefined
          ? {}
          : {
              advancedFilters: [
                { operatorType: 'StringIn', key: 'data.experimentName', values: [o.endpointName] },
              ],
            }),
      },
      eventDeliverySchema: schema,
      retryPolicy: {
        ...(attempts === undefined ? {} : { maxDeliveryAttempts: attempts }),
        ...(ttl === undefined ? {} : { eventTimeToLiveInMinutes: ttl }),
      },
    },
  };
}

/**
 * The filter names the endpoint only as a string, which the server takes for any endpoint, even one made
 * later; a typo would then mean no event ever arrives, so the CLI checks that the endpoint exists now.
 */
async function checkEndpointExists(endpoint: string, context: CommandContext): Promise<void> {
  const path = `${await context.workspacePath()}/batchEndpoints/${segment(endpoint)}`;
  await context.client.request('GET', path).catch((error: unknown) => {
    if (!(error instanceof CliError) || error.status !== 404) throw error;
    throw new CliError(
      `--endpoint-name: batch endpoint '${endpoint}' does not exist, so no event would ever match. ` +
        'Check the name with `nightshift batch-endpoint list`.',
      { exitCode: 2 },
    );
  });
}

async function create(o: CreateOptions, context: CommandContext) {
  const name = requireOption(o.name, '--name/-n');
  const path = `${await basePath(context)}/${segment(name)}`;
  if (o.endpointName !== undefined) await checkEndpointExists(o.endpointName, context);
  const entity = subscriptionEntity(await context.client.request('PUT', path, createBody(o)));
  if (entity.signing_secret !== undefined) {
    process.stderr.write(
      'The signing_secret is shown this once: keep it where your receiver can read it. ' +
        'The server never returns it again.\n',
    );
  }
  return entity;
}

async function show(o: NameOptions, context: CommandContext) {
  const name = requireOption(o.name, '--name/-n');
  return subscriptionEntity(
    await context.client.request('GET', `${await basePath(context)}/${segment(name)}`),
  );
}

async function list(_o: CommonOptions, context: CommandContext) {
  return (await listAll(context.client, await basePath(context))).map(subscriptionEntity);
}

async function remove(o: DeleteOptions, context: CommandContext) {
  const name = requireOption(o.name, '--name/-n');
  const path = `${await basePath(context)}/${segment(name)}`;
  await context.client.request('GET', path);
  await confirmDeletion(`Delete event subscription '${name}' (and its dead letters)?`, o.yes);
  await context.client.request('DELETE', path);
  return undefined;
}

async function deadLetters(o: NameOptions, context: CommandContext) {
  const base = await basePath(context);
  const names =
    o.name === undefined
      ? (await listAll<{ name: string }>(context.client, base)).map((s) => s.name)
      : [o.name];
  const entries: ReturnType<typeof deadLetterEntity>[] = [];
  for (const name of names) {
    const page = await context.client.request<{ value?: unknown[] }>(
      'GET',
      `${base}/${segment(name)}/deadLetters`,
    );
    entries.push(...(page.value ?? []).map(deadLetterEntity));
  }
  return entries;
}

export function registerEventSubscriptionCommands(program: Command): Command {
  const group = program
    .command('event-subscription')
    .description('Manage webhooks on job events (signed, retried, dead-lettered).');
  addResourceCommand(group, 'create', 'Create (or replace) a webhook subscription on job events.')
    .option('-n, --name <name>', 'subscription name')
    .option('--endpoint <url>', 'the https URL events are POSTed to')
    .option(
      '--events <names>',
      'comma-separated: JobStatusChanged, JobCompleted, JobFailed',
      'JobStatusChanged',
    )
    .option('--endpoint-name <endpoint>', "only this batch endpoint's jobs")
    .option('--schema <schema>', 'EventGrid or CloudEvents', 'EventGrid')
    .option('--secret <secret>', 'the signing secret (16+ characters); the server makes one when left out')
    .option('--max-delivery-attempts <n>', 'attempts before an event is dead-lettered (1-30, default 30)')
    .option('--event-ttl <minutes>', 'minutes an event is retried before it is dead-lettered (1-1440)')
    .action(runAction(create, SUBSCRIPTION_TABLE));
  addResourceCommand(group, 'show', 'Show a webhook subscription (never its secret).')
    .option('-n, --name <name>', 'subscription name')
    .action(runAction(show, SUBSCRIPTION_TABLE));
  addResourceCommand(group, 'list', "List the workspace's webhook subscriptions.").action(
    runAction(list, SUBSCRIPTION_TABLE),
  );
  addResourceCommand(
    group,
    'delete',
    'Delete a webhook subscription, its pending deliveries and dead letters.',
  )
    .option('-n, --name <name>', 'subscription name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runAction(remove));
  addResourceCommand(
    group,
    'dead-letters',
    'List events whose delivery gave up (every subscription, or one).',
  )
    .option('-n, --name <name>', 'subscription name')
    .action(runAction(deadLetters, DEAD_LETTER_TABLE));
  return group;
}
