export { createMqttAdapter, type MqttAdapter, type MqttAdapterOptions } from './mqtt-adapter.js';
export type { MqttDeviceSpec } from './topic-map.js';
