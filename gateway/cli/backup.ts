#!/usr/bin/env node
/**
 * `npm run backup -- DEST [DATA_DIR]`: a consistent copy of the data folder (store, journal,
 * archive, photos) into the new folder DEST, safe while the gateway runs (store/data-backup.ts).
 */
import { backUpDataDir } from '../store/data-backup.js';
import { dataFolder, runCli } from './data-folder.js';

const [dest, given] = process.argv.slice(2);
await runCli(async () => {
  if (dest === undefined) throw new Error('usage: npm run backup -- DEST_FOLDER [DATA_DIR]');
  const dataDir = await dataFolder(given);
  const s = await backUpDataDir(dataDir, dest);
  return `backup of ${dataDir} written to ${dest}: ${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.tickets} live tickets`;
});
