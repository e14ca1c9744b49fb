/**
 * The composition root: createApp(config) builds the store, datastores, services and HTTP server of one
 * Nightshift instance. Nothing here is a module-level singleton, so tests run many instances side by side
 * on port 0, each with its own data dir.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { buildHttpApp } from './api/http-app.ts';
import type { RouteInfo } from './api/route-table.ts';
import type { ApiServices } from './api/context.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import type { MetadataStore } from './store/contract.ts';
import { openBackends, type Backends } from './backends.ts';
import { createAssetService } from './workspace/assets.ts';
import { createDatastoreService } from './workspace/datastores.ts';
import type { HttpSourceOptions } from './storage/http/http-file.ts';
import { createDeploymentService } from './workspace/deployments.ts';
import { createEndpointService } from './workspace/endpoints.ts';
import { createComputeService, type ComputeService } from './workspace/computes.ts';
import { createEmbeddedNodeRegistry } from './engine/compute-nodes.ts';
import { createSharedNodeRegistry } from './engine/shared-compute-nodes.ts';
import { createPrometheusMetrics } from './engine/prometheus-metrics.ts';
import { createJobService } from './engine/job-service.ts';
import { createRerunService } from './engine/rerun.ts';
import { createInputFingerprints } from './engine/rerun-fingerprints.ts';
import { listLogFiles, readLogFile } from './engine/job-logs.ts';
import { createScheduler, type Scheduler } from './engine/scheduler.ts';
import { createIdentityService } from './auth/identity-service.ts';
import { createTokenService } from './auth/token-service.ts';
import { KeyStore } from './auth/tokens/key-store.ts';
import { openServerIssuer } from './auth/tokens/server-issuer.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { ExternalIssuer } from './auth/external-issuer.ts';
import { createRoleAssignmentService } from './auth/role-assignments.ts';
import { directoryFreshness, type DirectoryFreshness } from './auth/directory-cache.ts';
import { coalesceReads } from './store/coalesced-reads.ts';
import { ensureLocalOwner } from './auth/local-owner.ts';
import { createStudioSignIn } from './auth/studio-sign-in.ts';
import { createStudioOidc } from './auth/studio-oidc.ts';
import { openSecretBox } from './auth/secrets/secret-box.ts';
import { workspaceId } from './core/workspace.ts';
import { StartupError } from './core/errors.ts';
import { LOCAL_COMPUTE } from './core/computes.ts';
import { createPipelines } from './pipelines/service/wiring.ts';
import { createExpressionEngine } from './pipelines/expressions/engine.ts';
import { RealClock } from './pipelines/time/real-clock.ts';
import type { Clock } from './pipelines/time/clock.ts';
import { createSchedules } from './engine/schedules/wiring.ts';
import { createTriggers } from './pipelines/triggers/wiring.ts';
import { createJobEvents } from './engine/events/wiring.ts';
import { observeJobStatus } from './engine/events/status-listener.ts';

export interface App {
  readonly config: Config;
  readonly services: ApiServices;
  readonly http: FastifyInstance;
  readonly scheduler: Scheduler;
  /** The route table: every route's method, URL (fastify form) and declared access, for the attack suite. */
  routes(): RouteInfo[];
  /** Listens on config.host/config.port; resolves with the URL clients should use. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** How public URL inputs are fetched: the operator's URL policy and extra certificate authorities. */
async function urlSourceOptions(urls: Config['urls']): Promise<HttpSourceOptions> {
  const policy = { allowHosts: urls.allowHosts, allowHttp: urls.allowHttp };
  if (urls.caFile === undefined) return { policy };
  try {
    return { policy, ca: await readFile(urls.caFile, 'utf8') };
  } catch (error) {
    throw new StartupError(
      `Cannot read the URL CA file ${urls.caFile} (--url-ca-file): ${(error as { code?: string }).code ?? String(error)}.`,
    );
  }
}

/** Hosts that mean "every interface": the server is reached on loopback then, from this machine. */
const WILDCARD_HOSTS = ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0'];
/** How often the trigger loop looks at the store and the watched datastores when nothing is due sooner. */
const TRIGGER_POLL_MS = 2_000;
/** How long a firing may stay recorded but unstarted before another server (or this one restarted) starts it. */
const TRIGGER_RECOVER_AFTER_MS = 15_000;

export async function createApp(
  config: Config,
  // `scheduleClock`: what endpoint schedules fire on; tests pass a VirtualClock to fire on demand.
  options: { logger?: Logger; scheduleClock?: Clock } = {},
): Promise<App> {
  const logger = options.logger ?? pino({ level: config.logLevel }, pino.destination(2));
  const lock: DataDirLock = lockDataDir(config.dataDir);
  let backends: Backends | undefined;
  try {
    backends = await openBackends({ ...config, leaseMs: config.engine.leaseMs }, logger);
    const { store, queue } = backends;
    const repo = store.resources;
    const secrets = await openSecretBox(config.keysDir);
    const urls = await urlSourceOptions(config.urls);
    const datastores = createDatastoreService({
      repo,
      dataDir: config.dataDir,
      builtinDir: config.sharedDir,
      actor: config.actor,
      allowedRoots: config.datastoreRoots,
      secrets,
      urls,
      identity: config.storageIdentity,
    });
    await datastores.ensureBuiltins();
    const assets = createAssetService({ repo, datastores, actor: config.actor });
    const endpoints = createEndpointService({ repo, actor: config.actor });
    const computes = createComputeService({ repo, workspace: config.workspace, actor: config.actor });
    const deployments = createDeploymentService({
      computes,
      repo,
      endpoints,
      assets,
      datastores,
      workspace: config.workspace,
      actor: config.actor,
      // The same interpreter the job will use, so a deployment is checked against what will run it.
      defaultPython: config.python,
    });
    // The metrics feed the scheduler and read its workers: the registry asks for them when scraped.
    const built: { scheduler?: Scheduler } = {};
    const processes = () => built.scheduler?.processes() ?? [];
    // Scaled out, every server's processes are listed through any server (a snapshot in the store each).
    const shared = backends.shared
      ? createSharedNodeRegistry({
          repo,
          owner: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
          processes,
          ttlMs: config.engine.leaseMs,
          onError: (error) => {
            logger.warn({ err: error }, "publishing this server's worker processes failed");
          },
        })
      : undefined;
    const listening: string[] = [];
    const events = createJobEvents({
      repo,
      secrets,
      actor: config.actor,
      topic: workspaceId(config.workspace),
      urls,
      listening: () => listening,
      delivery: {
        baseMs: config.webhooks.retryBaseMs,
        maxDelayMs: config.webhooks.retryMaxDelayMs,
        maxTtlMs: config.webhooks.ttlMs,
        timeoutMs: config.webhooks.timeoutMs,
        pollMs: config.webhooks.pollMs,
      },
      owner: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      logger,
    });
    // The engine records every job status through this repository; each change is handed to the events.
    const jobRepo = observeJobStatus(store.jobs, events.dispatcher, (error) => {
      logger.warn({ err: error }, 'the job events listener failed');
    });
    const nodes = shared ?? createEmbeddedNodeRegistry(processes, () => built.scheduler?.idleNodes() ?? []);
    const metrics = createPrometheusMetrics({
      jobs: store.jobs,
      queue,
      nodes,
      computeNames: async () => (await computes.list()).map((c) => c.name),
    });
    const scheduler = createScheduler({
      metrics,
      maxInstances: (name) => computeNodeCap(computes, name),
      computes: () => computes.list(),
      jobs: jobRepo,
      queue,
      datastores,
      dataDir: config.dataDir,
      leaseMs: config.engine.leaseMs,
      maxWorkers: config.engine.maxWorkers,
      spareWorkers: config.engine.spareWorkers,
      cacheMaxBytes: config.cacheMaxBytes,
      shared: backends.shared,
      ...(shared && config.scaleOut
        ? {
            remote: {
              repo,
              artifactStore: config.scaleOut.artifactStore,
              signals: backends.signals,
              liveWorkers: () => shared.liveOwners(),
            },
          }
        : {}),
      logger,
    });
    built.scheduler = scheduler;
    const fingerprints = createInputFingerprints(store.resources);
    const jobs = createJobService({
      computes,
      jobs: jobRepo,
      queue,
      endpoints,
      deployments,
      assets,
      datastores,
      onSubmitted: (name) => {
        scheduler.submit(name);
      },
      onCancel: (name) => scheduler.cancel(name),
      actor: config.actor,
      defaultPython: config.python,
      logger,
      fingerprints,
    });
    const schedules = createSchedules({
      repo,
      jobs,
      endpoints,
      deployments,
      clock: options.scheduleClock ?? new RealClock(),
      logger,
    });
    const logDir = (name: string) => join(config.dataDir, 'jobs', name, 'logs');
    const jobLogs = {
      list: (name: string) => listLogFiles(logDir(name)),
      read: (name: string, path: string) => readLogFile(logDir(name), path),
    };
    const freshness = directoryFreshness(backends.shared, backends.signals);
    const auth = await createAccess(config, store, () => listening, freshness);
    const { pipelines, factoryData } = createPipelines(config.workspace.workspace, store, logger, secrets, {
      listening: () => listening,
      workspaceDatastore: (name) => datastores.backend(name),
      urls,
    });
    await pipelines.recoverInterrupted();
    const triggers = createTriggers({
      repo: store.resources,
      pipelines,
      expressions: createExpressionEngine(),
      clock: new RealClock(),
      factoryName: config.workspace.workspace,
      datastore: (name) => datastores.backend(name),
      checkDatastore: async (name) => {
        await datastores.get(name);
      },
      pollMs: TRIGGER_POLL_MS,
      recoverAfterMs: TRIGGER_RECOVER_AFTER_MS,
      onError: (error, trigger) => {
        logger.error({ err: error, trigger }, 'a trigger could not fire');
      },
    });
    const services: ApiServices = {
      workspace: config.workspace,
      pipelines,
      factoryData,
      triggers: triggers.service,
      datastores,
      assets,
      endpoints,
      deployments,
      computes,
      computeNodes: nodes,
      metrics,
      jobs,
      rerun: createRerunService({
        jobs: store.jobs,
        service: jobs,
        datastores,
        cache: scheduler.cache,
        fingerprints,
      }),
      schedules: schedules.service,
      jobLogs,
      eventSubscriptions: events.subscriptions,
      auth,
      studio: {
        dir: config.studioDir,
        signIn: createStudioSignIn({ dataDir: config.dataDir, tokens: auth.tokens }),
        oidc: createStudioOidc(config.auth.externalIssuers),
        tenant: config.auth.tenant,
      },
    };
    // The HTTP layer's own info line ("Server listening at") repeats serve's; its warnings and errors stay.
    const httpLogger = logger.child({}, { level: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const { server: http, routes } = await buildHttpApp(services, httpLogger, {
      maxUploadBytes: config.maxUploadBytes,
      trustProxy: config.trustProxy,
    });
    const opened = backends;
    let stopped = false;
    return {
      config,
      services,
      http,
      scheduler,
      routes: () => [...routes],
      async start() {
        await scheduler.start();
        await shared?.start();
        await http.listen({ host: config.host, port: config.port });
        const address = http.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        const url = `http://${host}:${port}`;
        // What the issuer is fixed from and pipelines call: an address clients can reach, never the
        // wildcard a socket binds to (`http://0.0.0.0:8080` is no URL to put in a token).
        listening.push(WILDCARD_HOSTS.includes(config.host) ? `http://127.0.0.1:${port}` : url);
        // Deliveries start once the server's own address is known: it is never a webhook target.
        events.dispatcher.start();
        lock.update({ url, startedAt: new Date().toISOString() });
        triggers.engine.start();
        schedules.runner.start();
        return url;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await http.close();
        await triggers.engine.stop();
        await schedules.runner.stop();
        await pipelines.stop();
        await scheduler.stop();
        await events.dispatcher.stop();
        await shared?.stop().catch(() => undefined);
        await opened.close();
        lock.release();
      },
    };
  } catch (error) {
    await backends?.close();
    lock.release();
    throw error;
  }
}

/** A compute's max_instances, which caps the instances of each of its jobs; none for the server's own pool. */
async function computeNodeCap(computes: ComputeService, name: string): Promise<number | undefined> {
  if (name.toLowerCase() === LOCAL_COMPUTE) return undefined;
  return (await computes.list()).find((c) => c.name.toLowerCase() === name.toLowerCase())?.maxNodeCount;
}

/**
 * Identity and access: the signing keys (in the data dir, so tokens survive a restart), the issuer (fixed
 * by configuration or at first start, never by a request), the directory, the token service, role
 * assignments, the local owner made at first start, and the per-request check.
 */
async function createAccess(
  config: Config,
  store: MetadataStore,
  listening: () => readonly string[],
  freshness: DirectoryFreshness,
): Promise<ApiServices['auth']> {
  const repo = store.resources;
  const keys = await KeyStore.open({ dir: join(config.keysDir, 'keys') });
  const issuer = openServerIssuer({
    configured: config.auth.issuerUrl,
    dataDir: config.keysDir,
    listening,
  });
  const identities = createIdentityService({ repo, freshness });
  const tenantId = config.auth.tenant;
  const tokens = createTokenService({ identities, keys, tenantId, issuerUrl: issuer.url });
  const wsId = workspaceId(config.workspace);
  const assignments = createRoleAssignmentService({ repo, identities, workspaceArmId: wsId, freshness });
  await ensureLocalOwner({
    dataDir: config.dataDir,
    user: config.actor,
    tenant: tenantId,
    workspaceArmId: wsId,
    identities,
    assignments,
  });
  const authenticator = createAuthenticator({
    keys,
    identities,
    tenantId,
    issuerUrl: issuer.url,
    external: config.auth.externalIssuers.map((e) => new ExternalIssuer(e)),
  });
  return {
    identities,
    tokens,
    keys,
    assignments,
    audit: store.audit,
    subscriptionId: config.workspace.subscriptionId,
    access: {
      mode: config.auth.mode,
      authenticator,
      assignments,
      workspaceArmId: wsId,
      actor: config.actor,
      // Many clients polling one job share its reads (never one that began before they asked).
      readJob: coalesceReads((name: string) => store.jobs.getWithCounts(name)),
    },
  };
}
