/**
 * Simulated Modbus TCP gateways in their own process (the real multi-unit simulator), each with
 * several units behind it; records when each unit was asked, so the parent can tell which polls
 * missed their period.
 */
import { ModbusMultiUnitSimulator } from '../simulators/modbus/multi-unit-simulator.js';
import { parentPort } from './child.js';

export type ModbusSimIn =
  | { readonly kind: 'start'; readonly gateways: number; readonly unitsPerGateway: number; readonly registers: number }
  | { readonly kind: 'report'; readonly fromMs: number; readonly toMs: number; readonly periodMs: number }
  | { readonly kind: 'stop' };

export type ModbusSimOut =
  | { readonly kind: 'started'; readonly ports: readonly number[] }
  | { readonly kind: 'report'; readonly polls: number; readonly missed: number; readonly worstGapMs: number }
  | { readonly kind: 'stopped' };

const sims: ModbusMultiUnitSimulator[] = [];
/** Request times per `${gateway}/${unit}` (epoch ms). */
const asked = new Map<string, number[]>();

const send = parentPort<ModbusSimIn, ModbusSimOut>(async (m) => {
  switch (m.kind) {
    case 'start': {
      for (let g = 0; g < m.gateways; g++) {
        const sim = new ModbusMultiUnitSimulator();
        for (let u = 1; u <= m.unitsPerGateway; u++) {
          sim.addUnit(u).setWords('holding-register', 0, Array.from({ length: m.registers }, (_, r) => 100 * u + r));
          asked.set(`${g}/${u}`, []);
        }
        sim.onRequest = (unitId) => asked.get(`${g}/${unitId}`)?.push(performance.timeOrigin + performance.now());
        sims.push(sim);
      }
      const ports = await Promise.all(sims.map((s) => s.start()));
      send({ kind: 'started', ports });
      return;
    }
    case 'report': {
      // A poll missed its period when the next one came more than 1.5 periods after it: each
      // whole period skipped is one missed poll.
      let polls = 0;
      let missed = 0;
      let worstGapMs = 0;
      for (const times of asked.values()) {
        const inWindow = times.filter((t) => t >= m.fromMs && t <= m.toMs);
        polls += inWindow.length;
        for (let i = 1; i < inWindow.length; i++) {
          const gap = (inWindow[i] ?? 0) - (inWindow[i - 1] ?? 0);
          worstGapMs = Math.max(worstGapMs, gap);
          if (gap > 1.5 * m.periodMs) missed += Math.round(gap / m.periodMs) - 1;
        }
        // A unit never asked in the window missed all of it.
        if (inWindow.length === 0) missed += Math.floor((m.toMs - m.fromMs) / m.periodMs);
      }
      send({ kind: 'report', polls, missed, worstGapMs });
      return;
    }
    case 'stop':
      await Promise.all(sims.map((s) => s.stop()));
      send({ kind: 'stopped' });
      process.disconnect();
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
