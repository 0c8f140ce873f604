import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { withAlertExamples } from '../../../gateway/cli/alert-docs.js';

describe('docs/alerts.md', () => {
  it('shows the messages exactly as the code words them (npm run docs:alerts)', async () => {
    const doc = await readFile('docs/alerts.md', 'utf8');
    expect(doc).toBe(withAlertExamples(doc));
  });
});
