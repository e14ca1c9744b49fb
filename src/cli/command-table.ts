/**
 * The CLI's top-level commands as data: each one's name, the one-line description `nightshift --help`
 * lists, and how to load and register it. main.ts imports only the module of the command being run, so
 * `--help` loads commander and this table, and `batch-endpoint show` loads the batch-endpoint group and
 * what it needs, not the pipeline validators, the YAML library or the server. A test checks that each
 * entry's module registers exactly the command (and description) the table promises.
 */
import type { Command } from 'commander';

export interface TopCommand {
  name: string;
  description: string;
  /** Imports the command's module and registers it (with any sibling commands of that module). */
  register(program: Command): Promise<void>;
}

async function registerBatchEndpoint(program: Command): Promise<void> {
  const [{ registerBatchEndpointCommands }, { registerEndpointJobCommands }] = await Promise.all([
    import('./commands/batch-endpoint.ts'),
    import('./commands/invoke.ts'),
  ]);
  registerEndpointJobCommands(registerBatchEndpointCommands(program));
}

async function registerBatchDeployment(program: Command): Promise<void> {
  const [{ registerBatchDeploymentCommands }, { registerDeploymentJobCommands }] = await Promise.all([
    import('./commands/batch-deployment.ts'),
    import('./commands/invoke.ts'),
  ]);
  registerDeploymentJobCommands(registerBatchDeploymentCommands(program));
}

async function registerLogin(program: Command): Promise<void> {
  (await import('./commands/access/login-commands.ts')).registerLoginCommands(program, process.env);
}

export const TOP_COMMANDS: readonly TopCommand[] = [
  {
    name: 'serve',
    description:
      'Start the Nightshift service: embedded (SQLite in the data dir) by default, or scaled out on PostgreSQL and Redis.',
    register: async (p) => {
      (await import('./commands/serve.ts')).registerServe(p);
    },
  },
  {
    name: 'worker',
    description: "Join a compute from this machine and score its jobs' mini-batches (scaled out).",
    register: async (p) => {
      (await import('./commands/worker.ts')).registerWorker(p);
    },
  },
  { name: 'batch-endpoint', description: 'Manage batch endpoints.', register: registerBatchEndpoint },
  {
    name: 'batch-deployment',
    description: 'Manage batch deployments of batch endpoints.',
    register: registerBatchDeployment,
  },
  {
    name: 'model',
    description: 'Manage registered models.',
    register: async (p) => {
      (await import('./commands/model.ts')).registerModelCommands(p);
    },
  },
  {
    name: 'data',
    description: 'Manage data assets.',
    register: async (p) => {
      (await import('./commands/data.ts')).registerDataCommands(p);
    },
  },
  {
    name: 'datastore',
    description: 'Manage datastores.',
    register: async (p) => {
      (await import('./commands/datastore.ts')).registerDatastoreCommands(p);
    },
  },
  {
    name: 'compute',
    description: 'Manage computes (AmlCompute clusters).',
    register: async (p) => {
      (await import('./commands/compute.ts')).registerComputeCommands(p);
    },
  },
  {
    name: 'environment',
    description: 'Manage environments.',
    register: async (p) => {
      (await import('./commands/environment.ts')).registerEnvironmentCommands(p);
    },
  },
  {
    name: 'schedule',
    description: 'Manage endpoint schedules: invoke a batch endpoint on a cron or recurrence.',
    register: async (p) => {
      (await import('./commands/schedule.ts')).registerScheduleCommands(p);
    },
  },
  {
    name: 'job',
    description: 'Show, follow, cancel, rerun and download batch jobs.',
    register: async (p) => {
      (await import('./commands/job.ts')).registerJobCommands(p);
    },
  },
  {
    name: 'demo',
    description:
      'Score the bundled breast-cancer sample end to end (starts the embedded service if none runs).',
    register: async (p) => {
      (await import('./commands/demo.ts')).registerDemo(p);
    },
  },
  {
    name: 'login',
    description: 'Sign in as a service principal; later commands against this server use it.',
    register: registerLogin,
  },
  { name: 'logout', description: 'Forget the saved login.', register: registerLogin },
  {
    name: 'account',
    description: 'Show the signed-in identity and get its tokens.',
    register: async (p) => {
      (await import('./commands/access/account-commands.ts')).registerAccountCommands(p, process.env);
    },
  },
  {
    name: 'ad',
    description: 'Manage the directory: service principals.',
    register: async (p) => {
      (await import('./commands/access/service-principal-commands.ts')).registerServicePrincipalCommands(p);
    },
  },
  {
    name: 'identity',
    description: 'Manage managed identities.',
    register: async (p) => {
      (await import('./commands/access/identity-commands.ts')).registerIdentityCommands(p);
    },
  },
  {
    name: 'role',
    description: 'Manage role assignments and list role definitions.',
    register: async (p) => {
      (await import('./commands/access/role-commands.ts')).registerRoleCommands(p);
    },
  },
  {
    name: 'audit',
    description: 'Read the audit log.',
    register: async (p) => {
      (await import('./commands/access/audit-commands.ts')).registerAuditCommands(p);
    },
  },
  {
    name: 'pipeline',
    description: 'Import, run and follow Data Factory pipelines (Data Factory REST shapes).',
    register: async (p) => {
      (await import('./commands/pipeline/index.ts')).registerPipelineCommands(p);
    },
  },
  {
    name: 'event-subscription',
    description: 'Manage webhooks on job events (signed, retried, dead-lettered).',
    register: async (p) => {
      (await import('./commands/event-subscription.ts')).registerEventSubscriptionCommands(p);
    },
  },
];

/**
 * The top-level command an argument list runs (`help X` asks for X), or undefined for the program's own
 * help, version or an unknown word. Program options come before it and take no values.
 */
export function commandNamed(args: readonly string[]): TopCommand | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return TOP_COMMANDS.find((c) => c.name === word);
}

/** Lists every command by name and description only, for the program's help and its "did you mean". */
export function registerListing(program: Command): void {
  for (const c of TOP_COMMANDS) program.command(c.name).description(c.description);
}
