import { ScaledClock, systemClock, type Clock } from '../core/clock.js';

/**
 * Simulators only: `GATEWAY_SIM_CLOCK=speed:realAnchor:simAnchor` runs the gateway process on the
 * scaled time of the scenario runner that started it (ScaledClock.anchored), so a scenario can kill
 * the real process and start it again and both sides agree on the time (`gateway-dies`). Never set
 * on a site: without it the gateway runs on the system clock.
 */
export const SIM_CLOCK_ENV = 'GATEWAY_SIM_CLOCK';

export function clockFromEnvironment(env: NodeJS.ProcessEnv = process.env): Clock {
  const v = env[SIM_CLOCK_ENV];
  if (v === undefined || v === '') return systemClock;
  const [speed, real, sim] = v.split(':').map(Number);
  if (speed === undefined || real === undefined || sim === undefined || !(speed > 0) || !Number.isFinite(real) || !Number.isFinite(sim)) {
    throw new Error(`${SIM_CLOCK_ENV} must be speed:realAnchorMs:simAnchorMs, got ${v}`);
  }
  return ScaledClock.anchored(speed, real, sim);
}

export function simClockValue(c: ScaledClock): string {
  const a = c.anchor();
  return `${a.speed}:${a.realAnchor}:${a.simAnchor}`;
}
