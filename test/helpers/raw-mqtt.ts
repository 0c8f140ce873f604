import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { onTestFinished } from 'vitest';

/**
 * A bare MQTT 3.1.1 connection over a socket: the tests that flood, fuzz or misbehave need to
 * write pre-encoded packets by the thousand and drop the socket mid-stream, which a real client
 * library will not do. Resolves once the CONNACK arrives; rejects when login is refused.
 */
export function rawMqtt(port: number, username: string, password: string, clientId = `${username}-${Math.random().toString(36).slice(2)}`): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0, username, password: Buffer.from(password) }));
    });
    onTestFinished(() => void socket.destroy());
    socket.on('error', reject);
    socket.once('data', (d) => {
      // CONNACK: 0x20 0x02 flags returnCode
      if (d[0] === 0x20 && d[3] === 0) resolve(socket);
      else reject(new Error(`connection refused (return code ${d[3] ?? '?'})`));
    });
  });
}

export function publishPacket(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, messageId = 1): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload, qos, retain: false, dup: false, ...(qos > 0 ? { messageId } : {}) });
}

export function subscribePacket(topic: string, messageId = 1): Buffer {
  return mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos: 0 }] });
}

/** Resolves with the first packet the broker sends back (SUBACK, PUBACK...), or rejects when the socket closes first. */
export function nextPacket(socket: Socket): Promise<mqttPacket.Packet> {
  return new Promise((resolve, reject) => {
    const parser = mqttPacket.parser();
    const onData = (d: Buffer): void => void parser.parse(d);
    const onClose = (): void => reject(new Error('socket closed'));
    parser.once('packet', (p) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(p);
    });
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Resolves when the peer closes the socket. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
  });
}
