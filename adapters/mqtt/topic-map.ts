import type { MqttSource } from './config.js';
import { compileDecoder, type CompiledDecoder } from './decoder.js';

export interface PointRoute {
  readonly deviceId: string;
  readonly pointId: string;
  readonly decode: CompiledDecoder;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface MqttDeviceSpec {
  readonly id: string;
  readonly source: MqttSource;
}

/** `site/{deviceId}/{pointId}` with the placeholders filled in. */
export function fillTopic(pattern: string, deviceId: string, pointId: string): string {
  return pattern.replaceAll('{deviceId}', deviceId).replaceAll('{pointId}', pointId);
}

/** The same pattern as an MQTT subscription filter (placeholders become `+`). */
export function topicFilter(pattern: string, deviceId: string): string {
  return pattern.replaceAll('{deviceId}', deviceId).replaceAll('{pointId}', '+');
}

/**
 * Every (device, point) compiled to its exact topic once, at start: on the hot path a message
 * costs one Map lookup. Two points claiming one topic is a site-file error.
 */
export class TopicMap {
  readonly #routes = new Map<string, PointRoute>();

  constructor(devices: readonly MqttDeviceSpec[]) {
    for (const d of devices) {
      for (const p of d.source.points) {
        const topic = fillTopic(p.topic ?? d.source.topic, d.id, p.id);
        const clash = this.#routes.get(topic);
        if (clash !== undefined) throw new Error(`topic "${topic}" is used by ${clash.deviceId}/${clash.pointId} and ${d.id}/${p.id}`);
        this.#routes.set(topic, { deviceId: d.id, pointId: p.id, decode: compileDecoder(p.decoder), min: p.range?.min, max: p.range?.max });
      }
    }
  }

  route(topic: string): PointRoute | undefined {
    return this.#routes.get(topic);
  }

  /** The embedded broker's ACL: a device publishes only to its own points' topics (the route's own device). */
  mayPublish(deviceId: string, topic: string): boolean {
    return this.#routes.get(topic)?.deviceId === deviceId;
  }

  topics(): IterableIterator<string> {
    return this.#routes.keys();
  }

  get size(): number {
    return this.#routes.size;
  }
}
