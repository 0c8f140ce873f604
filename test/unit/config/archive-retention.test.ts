import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../helpers/config-problems.js';
import { testSite } from '../../helpers/site.js';

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
