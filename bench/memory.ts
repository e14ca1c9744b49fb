/**
 * Samples the resident memory of a process and all its descendants (the server and its worker
 * processes) from /proc, keeping the peak of the sum.
 */
import { readFileSync, readdirSync } from 'node:fs';

export function children(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`, { withFileTypes: true })) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task.name}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // the task ended while we looked
    }
  }
  return out;
}

function rss(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function treeRss(pid: number): number {
  return rss(pid) + children(pid).reduce((sum, child) => sum + treeRss(child), 0);
}

export function startMemorySampler(pid: number, intervalMs = 50): { stop(): number } {
  let peak = treeRss(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(pid));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRss(pid));
    },
  };
}
