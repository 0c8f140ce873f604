import { loadSiteFile } from '../config/load-site.js';

/** The data folder a CLI works on: given, else GATEWAY_DATA_DIR, else the site file's dataDir. */
export async function dataFolder(given: string | undefined): Promise<string> {
  if (given !== undefined && given !== '') return given;
  const env = process.env['GATEWAY_DATA_DIR'];
  if (env !== undefined && env !== '') return env;
  return (await loadSiteFile(process.env['GATEWAY_CONFIG'] ?? 'config/demo-site.json')).dataDir;
}

/** Runs a CLI's body: a coded error is told as `CODE: message` and exit 1. */
export async function runCli(body: () => Promise<string>): Promise<void> {
  try {
    process.stdout.write(`${await body()}\n`);
  } catch (err) {
    const code = err !== null && typeof err === 'object' && 'code' in err ? String(err.code) : 'error';
    process.stderr.write(`${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
