#!/usr/bin/env node
/**
 * `npm run restore -- BACKUP [DATA_DIR]`: puts a backup back as the data folder, after checking it
 * against its manifest. Refuses while a gateway runs on the folder; an existing folder is kept
 * beside it, not deleted (store/data-backup.ts).
 */
import { restoreDataDir } from '../store/data-backup.js';
import { dataFolder, runCli } from './data-folder.js';

const [backup, given] = process.argv.slice(2);
await runCli(async () => {
  if (backup === undefined) throw new Error('usage: npm run restore -- BACKUP_FOLDER [DATA_DIR]');
  const dataDir = await dataFolder(given);
  const r = await restoreDataDir(backup, dataDir);
  return `restored ${r.files} files from ${backup} into ${dataDir}${r.keptAs === null ? '' : `; the folder that was there is kept as ${r.keptAs}`}`;
});
