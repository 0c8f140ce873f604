import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { withErrorTable } from '../../gateway/cli/error-docs.js';
import { ERROR_CATALOGUE } from '../../core/errors.js';

describe('error catalogue', () => {
  it('is documented in the README exactly as core/errors.ts has it (npm run docs:errors)', async () => {
    const readme = await readFile('README.md', 'utf8');
    expect(readme).toBe(withErrorTable(readme));
  });

  it('gives every code a message a site engineer can read', () => {
    for (const [code, text] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^GW_[A-Z_]+$/);
      expect(text.length).toBeGreaterThan(20);
    }
  });
});
