/**
 * The top-level keys of one JSON object line, in order, duplicates kept (JSON.parse keeps only the
 * last of a duplicated key, so it cannot see them).
 */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth += 1;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') depth -= 1;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** What is wrong with a gateway log line: not JSON, no `event`, a key written twice. Empty when fine. */
export function logLineProblems(line: string): string[] {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return ['not a JSON line (output that bypassed the structured log)'];
  }
  const problems: string[] = [];
  if (typeof o['event'] !== 'string') problems.push('no event');
  const keys = topLevelKeys(line);
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  if (twice.length > 0) problems.push(`keys written twice: ${[...new Set(twice)].join(', ')}`);
  return problems;
}
