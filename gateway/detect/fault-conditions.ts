import type { UpstreamStatus } from '../../core/adapter.js';
import type { Bilingual, Skill, Tier } from '../../core/vocabulary.js';
import type { Device } from '../config/site-schema.js';
import type { EvidenceSeries } from '../tickets/ticket.js';
import type { CompiledRule } from './fault-rule.js';

/**
 * Fault conditions, made here and only here: a rule's (its own words), a device gone silent, an
 * upstream (a broker, a Modbus gateway) down with the devices behind it, and an alarm cleared
 * because the site file no longer has its device or fault. Each carries both clocks: the wall time
 * for people, the elapsed time for windows.
 */

/** A fault condition starting (active) or ending (normal) on one device. */
export interface FaultCondition {
  readonly deviceId: string;
  readonly fault: string;
  readonly active: boolean;
  /** Wall time the condition was decided (after its on- or off-delay): a stamp for people. */
  readonly ts: number;
  /** Elapsed (monotonic) time it was decided: what windows (chattering, flood) measure with. */
  readonly at: number;
  /** Wall ts of the reading that completed the condition. */
  readonly triggerTs: number;
  readonly tier: Tier;
  readonly skill: Skill;
  readonly title: Bilingual;
  readonly description: Bilingual;
  readonly evidence: readonly EvidenceSeries[];
  /** A new event raised the fault again while it was on: its words belong on the open ticket. */
  readonly again?: true;
}

/** When and how a condition was decided: active or back to normal, at both clocks, and the reading that completed it. */
export interface Decided {
  readonly active: boolean;
  /** Wall time (a stamp for people). */
  readonly ts: number;
  /** Elapsed (monotonic) time (what windows measure with). */
  readonly at: number;
  readonly triggerTs: number;
}

/** A rule's condition on a device, in the rule's own words; `again`: a new event while it was on. */
export function ruleCondition(deviceId: string, rule: Pick<CompiledRule, 'fault' | 'tier' | 'skill'>, words: { title: Bilingual; description: Bilingual }, d: Decided & { again: boolean }, evidence: readonly EvidenceSeries[]): FaultCondition {
  return { deviceId, fault: rule.fault, active: d.active, ts: d.ts, at: d.at, triggerTs: d.triggerTs, tier: rule.tier, skill: rule.skill, title: words.title, description: words.description, evidence, ...(d.again ? { again: true as const } : {}) };
}

/** A device silent past its window (or reporting again), `silentForS` seconds after its last good reading. */
export function offlineCondition(device: Pick<Device, 'id' | 'name' | 'nameEn'>, tier: Tier, d: Decided, silentForS: number): FaultCondition {
  const name = { zh: device.name, en: device.nameEn ?? device.name };
  return {
    deviceId: device.id,
    fault: 'device-offline',
    ...d,
    tier,
    skill: 'iot',
    title: { zh: `设备离线：${name.zh}`, en: `Device offline: ${name.en}` },
    description: d.active ? { zh: `${name.zh} 已 ${silentForS} 秒没有有效数据`, en: `No good reading from ${name.en} for ${silentForS} s` } : { zh: `${name.zh} 恢复通信`, en: `${name.en} is reporting again` },
    evidence: [],
  };
}

/** The alarm id of an upstream: it stands for a device of its own. */
export const upstreamDeviceId = (u: Pick<UpstreamStatus, 'id'>): string => `upstream:${u.id}`;

/** An upstream down (or back): one general condition for every device behind it. */
export function upstreamCondition(u: Pick<UpstreamStatus, 'id' | 'kind' | 'address' | 'deviceIds'>, d: Decided): FaultCondition {
  return {
    deviceId: upstreamDeviceId(u),
    fault: 'device-offline',
    ...d,
    tier: 'general',
    skill: 'iot',
    title: { zh: `通信中断：${u.kind} ${u.address}`, en: `Upstream offline: ${u.kind} ${u.address}` },
    description: {
      zh: `${u.address} 不可达，其后 ${u.deviceIds.length} 台设备（${u.deviceIds.join('、')}）无数据`,
      en: `${u.address} is unreachable; the ${u.deviceIds.length} devices behind it (${u.deviceIds.join(', ')}) report nothing`,
    },
    evidence: [],
  };
}

/** An active alarm restored from the store whose device or fault the site file no longer has: it returns to normal. */
export function orphanCleared(deviceId: string, fault: string, now: number, at: number): FaultCondition {
  return {
    deviceId,
    fault,
    active: false,
    ts: now,
    at,
    triggerTs: now,
    tier: 'low',
    skill: 'iot',
    title: { zh: '告警已不在站点配置中', en: 'Alarm no longer in the site file' },
    description: { zh: '站点配置已不再包含此设备或此故障，告警恢复正常', en: 'The site file no longer has this device or fault; the alarm returns to normal' },
    evidence: [],
  };
}
