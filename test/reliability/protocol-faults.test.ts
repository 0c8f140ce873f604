import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCentralService } from '../../simulators/central/index.js';
import { SimulatedPump } from '../../simulators/modbus/simulated-pump.js';
import { startExternalBroker } from '../../simulators/mqtt/external-broker.js';
import { SimulatedElevatorServer } from '../../simulators/opcua/simulated-elevator.js';
import { startInProcessGateway } from '../helpers/gateway-in-process.js';
import { expectNothingLeft, handles } from '../helpers/leak-check.js';
import { secretLeaks } from '../helpers/log-secrets.js';

const ROUNDS = 3;

describe('protocol faults', () => {
  it(`keeps working while the broker, the Modbus device, the OPC UA server and the central service restart ${ROUNDS} times under flowing readings, and leaves nothing behind`, async () => {
    const baseline = handles();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    onTestFinished(() => void process.off('unhandledRejection', onRejection));

    const broker = await startExternalBroker();
    const pump = new SimulatedPump({ tickMs: 200 });
    const modbusPort = await pump.start(0);
    const elevator = new SimulatedElevatorServer({ tickMs: 200 });
    const endpoint = await elevator.start(0);
    const central = createCentralService({ tokens: ['pf-central-token'], progress: false });
    const centralUrl = await central.start(0);
    // Teardown in reverse; the leak check at the end runs after these by doing them itself.
    const teardown = async (): Promise<void> => {
      await central.stop();
      await elevator.stop();
      await pump.stop();
      await broker.close();
    };

    const { gw, lines } = await startInProcessGateway(
      {
        broker: { mode: 'external', url: broker.url, username: 'gateway', password: { value: 'pf-broker-pw' } },
        http: { host: '127.0.0.1', port: 0 },
        central: { url: centralUrl, token: { value: 'pf-central-token' }, pollSeconds: 1, timeoutMs: 2000 },
        devices: [
          {
            id: 'leak-1',
            kind: 'leak-sensor',
            name: 'leak',
            location: { building: 'T1', floor: 'B1', description: 'pump room' },
            faults: { 'water-leak': { onDelaySeconds: 0, offDelaySeconds: 0 } },
            source: { protocol: 'mqtt', points: [{ id: 'wet' }] },
          },
          {
            id: 'pump-1',
            kind: 'generic',
            name: 'pump',
            location: { building: 'T1', floor: 'B1', description: 'pump room' },
            source: { protocol: 'modbus', transport: { type: 'tcp', host: '127.0.0.1', port: modbusPort }, unitId: 1, pollMs: 100, timeoutMs: 300, points: [{ id: 'pressure', table: 'input-register', address: 0, type: 'float32' }] },
          },
          {
            id: 'lift-a',
            kind: 'generic',
            name: 'lift',
            location: { building: 'T1', floor: '1F', description: 'lobby' },
            source: { protocol: 'opcua', endpoint, securityMode: 'None', securityPolicy: 'None', samplingMs: 100, publishingMs: 200, points: [{ id: 'position', nodeId: 'ns=1;s=ElevatorA.CarPosition' }] },
          },
        ],
      },
      { level: 'debug' },
    );

    // A device on the site's broker flipping wet/dry: readings, tickets, uploads, all the time.
    const device = mqtt.connect(broker.url, { reconnectPeriod: 100, connectTimeout: 2000 });
    device.on('error', () => undefined);
    let wet = false;
    const flow = setInterval(() => {
      wet = !wet;
      if (device.connected) device.publish('site/leak-1/wet', JSON.stringify({ value: wet }), { qos: 1 });
    }, 50);

    const status = (kind: string) => gw.adapterStatuses().find((a) => a.kind === kind);
    const lastGood = () => ({ mqtt: status('mqtt')?.lastGoodReadingTs ?? 0, modbus: status('modbus')?.lastGoodReadingTs ?? 0, opcua: status('opcua')?.lastGoodReadingTs ?? 0, uploaded: gw.sync.status().uploaded });
    const allFlowingSince = async (since: ReturnType<typeof lastGood>): Promise<void> => {
      await vi.waitFor(
        () => {
          const now = lastGood();
          expect(now.mqtt).toBeGreaterThan(since.mqtt);
          expect(now.modbus).toBeGreaterThan(since.modbus);
          expect(now.opcua).toBeGreaterThan(since.opcua);
          expect(now.uploaded).toBeGreaterThan(since.uploaded);
        },
        { timeout: 60_000, interval: 100 },
      );
    };
    await allFlowingSince({ mqtt: 0, modbus: 0, opcua: 0, uploaded: 0 });

    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all([broker.stop(), pump.stop(), elevator.stop(), central.stop()]);
      // The gateway notices each loss (as upstream state and sync errors), never by crashing.
      await vi.waitFor(
        () => {
          expect(status('mqtt')?.upstreams[0]?.state).not.toBe('online');
          expect(status('modbus')?.upstreams[0]?.state).not.toBe('online');
          expect(status('opcua')?.upstreams[0]?.state).not.toBe('online');
        },
        { timeout: 30_000, interval: 100 },
      );
      const before = lastGood();
      await Promise.all([broker.start(), pump.start(modbusPort), elevator.start(), central.start()]);
      await allFlowingSince(before);
    }

    clearInterval(flow);
    await device.endAsync(true);
    await gw.stop();
    await teardown();
    process.stdout.write(`protocol faults: ${ROUNDS} rounds, ${gw.sync.status().uploaded} uploads, ${central.tickets().length} tickets at central\n`);
    expect(rejections.map(String)).toEqual([]);
    expect(central.doubleEffects()).toEqual([]);
    expect(secretLeaks(lines, ['pf-central-token', 'pf-broker-pw'])).toEqual([]);
    // Nothing left running: no socket, server, timer or child process more than before the test.
    // (The OPC UA client used to leave a session keep-alive timer in about 1 run of 6: a second loss
    // during backoff replaced a client that was never disconnected; fixed in endpoint-session.ts
    // #lost, and timers have been checked strictly since 20 clean runs in a row.)
    await expectNothingLeft(baseline);
  }, 240_000);
});
