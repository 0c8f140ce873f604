import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GATEWAY_COMMAND } from '../../gateway/runtime-flags.js';

describe('gateway runtime flags', () => {
  it('are the same in npm start and the Dockerfile as in the code that spawns the gateway', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    const docker = await readFile('Dockerfile', 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(docker)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(GATEWAY_COMMAND);
    expect(pkg.scripts['start']).toMatch(new RegExp(`&& ${GATEWAY_COMMAND.join(' ')}$`));
  });
});
