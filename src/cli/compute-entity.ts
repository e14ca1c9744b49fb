/**
 * How the CLI prints a compute and its nodes: the shape `az ml compute show` prints for an AmlCompute
 * (snake_case, `type: amlcompute`, `size`, `min_instances`, `max_instances`, `idle_time_before_scale_down`
 * in seconds) and `az ml compute list-nodes` (`node_id`, `node_state`, ...), plus what Nightshift knows
 * of each node (host, pid, mini-batches, last heartbeat). Also their `-o table` columns.
 */
import type { TableSpec } from './output/table.ts';

interface ArmCompute {
  id: string;
  name: string;
  location?: string;
  tags?: Record<string, string>;
  properties: {
    description?: string;
    provisioningState?: string;
    createdOn?: string;
    properties?: {
      vmSize?: string;
      vmPriority?: string;
      currentNodeCount?: number;
      scaleSettings?: { minNodeCount?: number; maxNodeCount?: number; nodeIdleTimeBeforeScaleDown?: string };
    };
  };
}

/** Seconds of an ISO 8601 duration as the server writes it (`PT120S`, `PT2M`); undefined otherwise. */
function seconds(duration: string | undefined): number | undefined {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/i.exec(duration ?? '');
  if (!match) return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

export function computeEntity(raw: unknown) {
  const c = raw as ArmCompute;
  const inner = c.properties.properties ?? {};
  const scale = inner.scaleSettings ?? {};
  return {
    name: c.name,
    type: 'amlcompute',
    location: c.location ?? '',
    description: c.properties.description ?? '',
    tags: c.tags ?? {},
    size: inner.vmSize ?? '',
    tier: (inner.vmPriority ?? 'Dedicated').toLowerCase(),
    min_instances: scale.minNodeCount ?? 0,
    max_instances: scale.maxNodeCount ?? 1,
    idle_time_before_scale_down: seconds(scale.nodeIdleTimeBeforeScaleDown) ?? null,
    current_node_count: inner.currentNodeCount ?? 0,
    provisioning_state: c.properties.provisioningState ?? '',
    created_on: c.properties.createdOn ?? null,
    id: c.id,
  };
}

interface ArmNode {
  nodeId: string;
  nodeState: string;
  privateIpAddress?: string | null;
  publicIpAddress?: string | null;
  port?: number | null;
  runId?: string | null;
  host?: string;
  pid?: number;
  currentMiniBatches?: string[];
  lastHeartbeat?: string;
}

export function computeNodeEntity(raw: unknown) {
  const n = raw as ArmNode;
  return {
    node_id: n.nodeId,
    node_state: n.nodeState,
    private_ip_address: n.privateIpAddress ?? null,
    public_ip_address: n.publicIpAddress ?? null,
    port: n.port ?? null,
    run_id: n.runId ?? null,
    host: n.host ?? null,
    pid: n.pid ?? null,
    current_mini_batches: n.currentMiniBatches ?? [],
    last_heartbeat: n.lastHeartbeat ?? null,
  };
}

export const COMPUTE_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Type', path: 'type' },
  { header: 'Size', path: 'size' },
  { header: 'Min_instances', path: 'min_instances' },
  { header: 'Max_instances', path: 'max_instances' },
  { header: 'Current_node_count', path: 'current_node_count' },
  { header: 'Provisioning_state', path: 'provisioning_state' },
];

export const COMPUTE_NODE_TABLE: TableSpec = [
  { header: 'Node_id', path: 'node_id' },
  { header: 'Node_state', path: 'node_state' },
  { header: 'Host', path: 'host' },
  { header: 'Pid', path: 'pid' },
  {
    header: 'Mini_batches',
    value: (n) => ((n as { current_mini_batches?: string[] }).current_mini_batches ?? []).join(' '),
  },
  { header: 'Last_heartbeat', path: 'last_heartbeat' },
];
