import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HydroSyncError } from '../errors';
import { ioReason } from './json-file';
import { NODE_FS_OPS, writeFileAtomic } from './meter-state-file';

/**
 * Write a file only its owner may read (key material, audit checkpoints and exports): JSON of
 * `content`, or the text itself, in the folder (created with mode 0700 if missing). Written as the
 * meter state is (writeFileAtomic: a temporary file created with mode 0600, synced and renamed
 * into place), so the content is never readable by others, not even for a moment, and a reader
 * never sees part of it. An existing file is replaced only with `force`.
 */
export function writeSecretFile(path: string, content: Record<string, unknown> | string, options: { force: boolean; what: string }): void {
  if (!options.force && existsSync(path)) {
    throw new HydroSyncError('IO', `${path} already exists; give --force to replace it`);
  }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new HydroSyncError('IO', `cannot create the folder of ${options.what} ${path}: ${ioReason(e)}`);
  }
  writeFileAtomic(path, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`, NODE_FS_OPS, 0o600, options.what);
}
