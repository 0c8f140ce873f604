import type { BacnetSource } from './config.js';
import { OBJECT_TYPES, type ObjectKind } from './object-types.js';

/** A point of a device link: its object, how its value reads, and how it arrives. */
export interface LinkPoint {
  readonly id: string;
  readonly type: number;
  readonly instance: number;
  readonly kind: ObjectKind;
  readonly scale: number;
  readonly offset: number;
  readonly range: { min?: number | undefined; max?: number | undefined } | undefined;
  /** cov: values arrive by notification; poll: read every pollMs (cov off, or refused). */
  mode: 'cov' | 'poll';
}

export function linkPoints(src: BacnetSource): LinkPoint[] {
  return src.points.map((p) => ({
    id: p.id,
    type: OBJECT_TYPES[p.objectType].type,
    instance: p.instance,
    kind: OBJECT_TYPES[p.objectType].kind,
    scale: p.scale,
    offset: p.offset,
    range: p.range,
    mode: src.cov ? 'cov' : 'poll',
  }));
}

/** Why a device counts as not answering: the code and the words of its outage. */
export interface LinkFailure {
  readonly code: string;
  readonly reason: string;
}
