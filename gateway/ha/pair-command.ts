/** An operator's command to the active: `{ "kind": "switchover", "to"?: gatewayId }` (the `ha` command writes it). */
export interface PairCommand {
  readonly kind: 'switchover';
  readonly at: number;
  readonly to?: string;
}

/** The command in the key's text, or null for none or one this version does not know. */
export function readCommand(text: string | null): PairCommand | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Partial<PairCommand>;
    return v.kind === 'switchover' && typeof v.at === 'number' ? { kind: 'switchover', at: v.at, ...(typeof v.to === 'string' ? { to: v.to } : {}) } : null;
  } catch {
    return null;
  }
}

