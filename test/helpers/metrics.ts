/** The gateway's /metrics, read the way a Prometheus scrape would. */
export async function scrape(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** gateway_bad_input_total summed over devices, by error code. */
export function badInputByCode(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^gateway_bad_input_total\{([^}]*)\} (\S+)$/gm)) {
    const code = /code="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '?';
    out[code] = (out[code] ?? 0) + Number(m[2]);
  }
  return out;
}

/** The value of an unlabelled series, 0 when absent. */
export function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}
