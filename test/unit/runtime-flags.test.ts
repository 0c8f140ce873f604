import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GATEWAY_COMMAND, GATEWAY_ENV, missingGatewayEnv } from '../../gateway/runtime-flags.js';

const ENV_WORDS = Object.entries(GATEWAY_ENV).map(([k, v]) => `${k}=${v}`);

describe('gateway runtime flags', () => {
  it('are the same in npm start and the Dockerfile as in the code that spawns the gateway', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    const docker = await readFile('Dockerfile', 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(docker)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(GATEWAY_COMMAND);
    expect(pkg.scripts['start']).toMatch(new RegExp(`&& ${[...ENV_WORDS, ...GATEWAY_COMMAND].join(' ')}$`));
  });

  it('set the same environment in npm start, the image and the systemd unit', async () => {
    const docker = await readFile('Dockerfile', 'utf8');
    // The runtime stage's ENV instruction, with its continuation lines.
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(docker.slice(docker.indexOf('AS runtime')))?.[1] ?? '';
    const unit = await readFile('deploy/building-fault-gateway.service', 'utf8');
    for (const word of ENV_WORDS) {
      expect(env.split(/[\s\\]+/)).toContain(word);
      expect(unit).toContain(`\nEnvironment=${word}\n`);
    }
  });

  it('names what a process was started without', () => {
    expect(missingGatewayEnv({})).toEqual(Object.keys(GATEWAY_ENV));
    expect(missingGatewayEnv({ ...GATEWAY_ENV })).toEqual([]);
    expect(missingGatewayEnv({ MALLOC_ARENA_MAX: '' })).toEqual(['MALLOC_ARENA_MAX']);
  });
});
