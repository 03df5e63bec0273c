import { closeSync, existsSync, fchmodSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HydroSyncError } from '../../errors';
import { ioReason } from '../../node/json-file';

/**
 * Write a file only its owner may read (key material, audit checkpoints and exports): JSON of
 * `content`, or the text itself. A temporary file created with mode 0600 is renamed into place, so
 * the content is never readable by others, not even for a moment, and a reader never sees part of
 * it. An existing file is replaced only with `force`.
 */
export function writeSecretFile(path: string, content: Record<string, unknown> | string, options: { force: boolean; what: string }): void {
  if (!options.force && existsSync(path)) {
    throw new HydroSyncError('IO', `${path} already exists; give --force to replace it`);
  }
  const text = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new HydroSyncError('IO', `cannot create the folder of ${options.what} ${path}: ${ioReason(e)}`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    closeSync(fd);
    fd = undefined;
    if (!options.force && existsSync(path)) {
      throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    }
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && existsSync(path)) {
      throw new HydroSyncError('IO', `${path} already exists; give --force to replace it`);
    }
    throw new HydroSyncError('IO', `cannot write ${options.what} ${path}: ${ioReason(e)}`);
  }
}
