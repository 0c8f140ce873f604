import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../gateway/errors.js';
import { testSite } from '../../helpers/site.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err.context['problems'] as string[];
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('store.archiveRetentionYears', () => {
  it('keeps repair records 5 years unless the site says longer', () => {
    expect(testSite().store.archiveRetentionYears).toBe(5);
    expect(testSite({ store: { archiveRetentionYears: 8 } }).store.archiveRetentionYears).toBe(8);
  });

  it('refuses fewer than 5 years, citing the after-sales response standard', () => {
    const problems = problemsOf(() => testSite({ store: { archiveRetentionYears: 3 } }));
    expect(problems).toEqual([expect.stringMatching(/^store\.archiveRetentionYears: .*at least 5 years \(the after-sales response standard\)/)]);
  });
});
