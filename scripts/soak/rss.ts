import fs from "node:fs";

/**
 * Resident memory of the gateway processes, read from /proc (Linux): a stack service is a process group
 * (scripts/stack/processes.ts), whose members' VmRSS are added up.
 */
export interface RssSample {
  /** Milliseconds since the soak started. */
  at: number;
  replica: string;
  /** The group's id: a replica killed and started again is another process. */
  pid: number;
  rssMb: number;
}

function groupOf(pid: string): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command's name in parentheses: state, ppid, pgrp.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined; // Gone meanwhile.
  }
}

function rssKbOf(pid: string): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The group's resident memory in MB, or undefined when no member runs. */
export function groupRssMb(pgid: number): number | undefined {
  let kb = 0;
  let members = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || groupOf(entry) !== pgid) continue;
    members++;
    kb += rssKbOf(entry);
  }
  // A group whose members are exiting has no resident memory left to speak of: no sample.
  return members === 0 || kb === 0 ? undefined : Math.round((kb / 1024) * 10) / 10;
}

export interface ProcessMemory {
  replica: string;
  pid: number;
  /** First sample at or after the warm-up (for a process started later, its own warm-up). */
  warmAt: number;
  warmRssMb: number;
  endAt: number;
  endRssMb: number;
  growthMb: number;
}

/** Per process: its RSS once warm and its last sample. */
export function memoryPerProcess(samples: readonly RssSample[], warmUpMs: number): ProcessMemory[] {
  const byPid = new Map<number, RssSample[]>();
  for (const s of samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  const result: ProcessMemory[] = [];
  for (const [pid, list] of byPid) {
    const first = list[0]!;
    // A process started during the soak warms up for the same time from its first sample.
    const warmFrom = first.at < warmUpMs ? warmUpMs : first.at + warmUpMs;
    const warm = list.find((s) => s.at >= warmFrom);
    const end = list.at(-1)!;
    if (!warm) continue;
    result.push({
      replica: first.replica,
      pid,
      warmAt: warm.at,
      warmRssMb: warm.rssMb,
      endAt: end.at,
      endRssMb: end.rssMb,
      growthMb: Math.round((end.rssMb - warm.rssMb) * 10) / 10,
    });
  }
  return result.sort((a, b) => a.replica.localeCompare(b.replica) || a.warmAt - b.warmAt);
}
