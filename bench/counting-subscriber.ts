/**
 * The broker's own ceiling in the peer comparison: a subscriber that does nothing but count what
 * the broker delivers (bench/mqtt-wire.ts PublishCounter), on a bare socket. The rate it keeps up
 * with is the most any receiver can be measured at through that broker on this machine, with the
 * same publishers sharing the same cores; a receiver's ingest figure is bounded by it, and the
 * ratio ours/peer by ceiling/peer.
 *
 * It reads what has arrived, then leaves the socket for READ_GAP_MS, as a receiver busy with what
 * it read does. Measured with mosquitto 2.0 on 2 cores: a reader woken for every packet made the
 * broker pay a wake-up per message and held it near 100k/s, below what the gateway itself kept up
 * with (150k); reading every 2 ms the broker reached 170k-180k/s with nothing else running, and
 * 5 or 10 ms gave no more.
 */
import { connect, type Socket } from 'node:net';
import { connackCode, connectPacket, DISCONNECT, PublishCounter, subscribePacket } from './mqtt-wire.js';

const READ_GAP_MS = 2;

export interface CountingSubscriber {
  readings(): number;
  stop(): Promise<void>;
}

/** Logs in with a clean session, subscribes to `filter` at QoS 1 (as both receivers do), resolves once the SUBACK is in. */
export function startCountingSubscriber(port: number, filter: string, timeoutMs = 10_000): Promise<CountingSubscriber> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const counter = new PublishCounter();
    let stage: 'CONNACK' | 'SUBACK' | 'counting' = 'CONNACK';
    // What came before counting began: CONNACK (4 bytes), then SUBACK (5), possibly split or joined.
    let early = Buffer.alloc(0);
    let stopping = false;
    const onError = (err: Error): void => fail(err.message);
    const fail = (why: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`counting subscriber: ${why}`));
    };
    const timer = setTimeout(() => fail(`no ${stage} within ${timeoutMs} ms`), timeoutMs);
    socket.on('error', onError);
    socket.once('connect', () => socket.write(connectPacket(`bench-counter-${process.pid}`, 'bench-counter', 'pw-bench-counter')));
    socket.on('data', (chunk: Buffer) => {
      if (stage === 'counting') {
        counter.feed(chunk);
        if (stopping) return;
        socket.pause();
        setTimeout(() => socket.resume(), READ_GAP_MS);
        return;
      }
      early = Buffer.concat([early, chunk]);
      if (stage === 'CONNACK') {
        if (early.length < 4) return;
        const code = connackCode(early);
        if (code !== 0) return fail(`login refused (CONNACK ${code ?? 'malformed'})`);
        stage = 'SUBACK';
        early = early.subarray(4);
        socket.write(subscribePacket(filter, 1, 1));
      }
      // SUBACK: 0x90 0x03, packet id (2 bytes), the QoS granted (0x80: refused).
      if (early.length < 5) return;
      if (early[0] !== 0x90 || (early[4] as number) >= 0x80) return fail('subscription refused');
      stage = 'counting';
      clearTimeout(timer);
      socket.off('error', onError);
      socket.on('error', () => undefined);
      counter.feed(early.subarray(5));
      resolve({
        readings: () => counter.count,
        stop: () =>
          new Promise<void>((done) => {
            if (socket.destroyed) return done();
            stopping = true;
            socket.once('close', () => done());
            socket.resume();
            socket.end(DISCONNECT);
            setTimeout(() => socket.destroy(), 1_000).unref();
          }),
      });
    });
  });
}
