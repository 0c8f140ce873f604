import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { onTestFinished } from 'vitest';

/** Debian's Chromium (installed by npm test: scripts/ensure-test-tools.sh), never a downloaded browser. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium), as npm test does`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  onTestFinished(() => browser.close());
  return browser;
}
