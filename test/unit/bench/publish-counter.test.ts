import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PublishCounter } from '../../../bench/mqtt-wire.js';

/** A broker's stream as a subscriber gets it: PUBLISHes of every size (1- to 3-byte lengths) among other packets. */
function stream(): { bytes: Buffer; publishes: number } {
  const parts: Buffer[] = [mqttPacket.generate({ cmd: 'suback', messageId: 1, granted: [1] })];
  let publishes = 0;
  for (const size of [0, 1, 100, 126, 127, 128, 200, 16_383, 16_384, 70_000]) {
    parts.push(mqttPacket.generate({ cmd: 'publish', topic: 'site/pm-1/voltageA', payload: Buffer.alloc(size, 0x31), qos: 0, retain: false, dup: false }));
    publishes += 1;
    parts.push(mqttPacket.generate({ cmd: 'pingresp' }));
  }
  parts.push(mqttPacket.generate({ cmd: 'publish', topic: 't', payload: 'x', qos: 1, messageId: 7, retain: false, dup: false }));
  return { bytes: Buffer.concat(parts), publishes: publishes + 1 };
}

describe('PublishCounter (the bench broker-ceiling receiver)', () => {
  it('counts every PUBLISH and nothing else, in one chunk', () => {
    const { bytes, publishes } = stream();
    const c = new PublishCounter();
    c.feed(bytes);
    expect(c.count).toBe(publishes);
  });

  it('counts the same however the stream is cut, a header split across chunks included', () => {
    const { bytes, publishes } = stream();
    for (const size of [1, 2, 3, 5, 7, 64, 1000]) {
      const c = new PublishCounter();
      for (let i = 0; i < bytes.length; i += size) c.feed(bytes.subarray(i, i + size));
      expect(c.count, `chunks of ${size}`).toBe(publishes);
    }
  });
});
