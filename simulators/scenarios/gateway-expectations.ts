import type { CentralService } from '../central/index.js';
import type { ExpectedGateway } from './scenario-schema.js';
import type { SystemAlertSeen } from './run-parts.js';

/** What happened to the gateway process in a scenario, in scenario wall time (epoch ms). */
export interface GatewayRun {
  /** When it was killed or stopped on its own. */
  readonly stops: number[];
  /** When it (re)started; the first start is the scenario's. */
  readonly starts: number[];
  /** Exit statuses of its stops on its own, in order. */
  readonly exits: number[];
  /** Its own messages on alerts/system, in order. */
  readonly system: SystemAlertSeen[];
}

/**
 * Checks what the gateway itself must have done and told: the central service saw it silent after
 * each stop and recovered after each start again; its messages on alerts/system came each exactly
 * once with their words; it stopped on its own with the statuses expected, its last status saying why.
 */
export function judgeGateway(e: ExpectedGateway | undefined, run: GatewayRun, central: CentralService, siteId: string): string[] {
  if (e === undefined) return [];
  const problems: string[] = [];
  const events = central.siteEvents().filter((x) => x.siteId === siteId);
  if (e.silentWithinSeconds !== undefined) {
    for (const stop of run.stops) {
      const silent = events.find((x) => x.kind === 'silent' && x.at >= stop);
      if (silent === undefined) problems.push(`the central service never reported the site silent after the stop at +${seconds(stop, run)} s`);
      else if (silent.at - stop > e.silentWithinSeconds * 1000) problems.push(`the central service reported the site silent ${Math.round((silent.at - stop) / 1000)} s after the stop, expected within ${e.silentWithinSeconds} s`);
    }
    if (run.stops.length === 0) problems.push('the gateway never stopped, so nothing could go silent');
  }
  if (e.recovered === true) {
    for (const start of run.starts.slice(1)) {
      if (!events.some((x) => x.kind === 'recovered' && x.at >= start)) problems.push(`the central service never reported the site recovered after the start at +${seconds(start, run)} s`);
    }
    if (run.starts.length < 2) problems.push('the gateway was never started again, so nothing could recover');
  }
  for (const want of e.systemAlerts) {
    const got = run.system.filter((a) => a.code === want.code);
    if (got.length !== 1) problems.push(`expected one ${want.code} on alerts/system, got ${got.length}${got.length > 0 ? `: ${got.map((a) => a.text.split('\n')[0]).join(' | ')}` : ''}`);
    else if (want.contains !== undefined && !(got[0]?.text ?? '').includes(want.contains)) problems.push(`${want.code} on alerts/system does not say "${want.contains}": ${got[0]?.text ?? ''}`);
  }
  if (e.exits !== undefined && JSON.stringify(e.exits) !== JSON.stringify(run.exits)) problems.push(`expected the gateway to stop on its own with exit status ${JSON.stringify(e.exits)}, got ${JSON.stringify(run.exits)}`);
  if (e.stoppingBecause !== undefined) {
    const last = central.statuses.filter((s) => s.siteId === siteId && s.state === 'stopping').at(-1);
    if (last?.['stoppingBecause'] !== e.stoppingBecause) problems.push(`expected a last status "stopping" because ${e.stoppingBecause} at the central service, got ${last === undefined ? 'none' : String(last['stoppingBecause'])}`);
  }
  return problems;
}

function seconds(at: number, run: GatewayRun): number {
  return Math.round((at - (run.starts[0] ?? at)) / 1000);
}
