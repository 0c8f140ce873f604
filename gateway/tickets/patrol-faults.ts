import type { Bilingual, Skill } from '../../core/vocabulary.js';

/**
 * What a patrol can report from the phone (巡检发现), with the trade each goes to. A patrol picks
 * one and may add words; "other" takes the words alone.
 */
export const PATROL_FAULTS: Readonly<Record<string, { readonly name: Bilingual; readonly skill: Skill }>> = {
  'water-leak': { name: { zh: '漏水', en: 'Water leak' }, skill: 'plumbing' },
  'pipe-damage': { name: { zh: '管道破损', en: 'Damaged pipe' }, skill: 'plumbing' },
  'drain-blocked': { name: { zh: '下水堵塞', en: 'Blocked drain' }, skill: 'plumbing' },
  'power-fault': { name: { zh: '电气故障', en: 'Electrical fault' }, skill: 'electrical' },
  lighting: { name: { zh: '照明故障', en: 'Lighting out' }, skill: 'electrical' },
  'elevator-fault': { name: { zh: '电梯故障', en: 'Elevator fault' }, skill: 'elevator' },
  hvac: { name: { zh: '空调通风故障', en: 'HVAC fault' }, skill: 'hvac' },
  'fire-equipment': { name: { zh: '消防设施异常', en: 'Fire equipment fault' }, skill: 'fire' },
  'facility-damage': { name: { zh: '公共设施损坏', en: 'Damaged facility' }, skill: 'general' },
  other: { name: { zh: '其他', en: 'Other' }, skill: 'general' },
};

export const PATROL_FAULT_IDS = Object.keys(PATROL_FAULTS);
