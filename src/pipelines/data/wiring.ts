/**
 * Data Factory's data movement assembled for the composition root: the linked service and dataset
 * service, and the Copy and Get Metadata handlers that read through it. `listening` is this server's own
 * URLs, which linked services may not point at.
 */
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import type { HttpSourceOptions } from '../../storage/http/http-file.ts';
import type { ExpressionEngine } from '../expressions/contract.ts';
import type { HandlerRegistry } from '../runner/handler-registry.ts';
import { copyActivityHandler, getMetadataActivityHandler, type DataActivityDeps } from './data-activities.ts';
import { datasetResolver } from './dataset-resolver.ts';
import { createFactoryDataService, type FactoryDataService } from './factory-data-service.ts';
import { openLinkedService, secretsOf, type LinkedServiceProperties } from './linked-services.ts';

/** host:port forms that reach this server from here (loopback names for a server on loopback or any). */
export function ownHostsOf(listening: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of listening) {
    const url = new URL(text);
    out.push(url.host.toLowerCase(), `localhost:${url.port}`, `127.0.0.1:${url.port}`, `[::1]:${url.port}`);
  }
  return out;
}

export function createFactoryData(deps: {
  repo: ResourceRepository;
  secrets: SecretBox;
  expressions: ExpressionEngine;
  listening: () => readonly string[];
  workspaceDatastore: (name: string) => Promise<DatastoreBackend>;
  /** The server's URL policy (--allow-url-hosts, --allow-http-urls, --url-ca-file) for HttpServer sources. */
  urls: HttpSourceOptions;
}): { service: FactoryDataService; register(handlers: HandlerRegistry): HandlerRegistry } {
  const ownHosts = () => ownHostsOf(deps.listening());
  const service = createFactoryDataService({
    repo: deps.repo,
    secrets: deps.secrets,
    checkExpressions: (value) => deps.expressions.check(value),
    ownHosts,
  });
  const activityDeps: DataActivityDeps = {
    resolve: datasetResolver({
      data: service,
      expressions: deps.expressions,
      ownHosts,
      workspaceDatastore: deps.workspaceDatastore,
      urls: deps.urls,
    }),
    async secrets() {
      const stored = await deps.repo.list<{ properties: LinkedServiceProperties }>('linkedService');
      return stored.flatMap((s) => secretsOf(openLinkedService(s.properties, deps.secrets)));
    },
  };
  return {
    service,
    register: (handlers) =>
      handlers
        .register('Copy', copyActivityHandler(activityDeps))
        .register('GetMetadata', getMetadataActivityHandler(activityDeps)),
  };
}
