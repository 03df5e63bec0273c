import { readFileSync } from 'node:fs';
import { HydroSyncError } from '../errors';

/** A short reason for a failed read, without the OS error's stack or paths beyond the one given. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'EEXIST': return 'the file already exists';
    case 'ENOTDIR': return 'a parent of the path is not a directory';
    default: return code ?? String((e as Error | null)?.message ?? e);
  }
}

/** Line and column (1-based) of a character position in a text. */
function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/**
 * Read and parse a JSON file. IO error if it cannot be read; FORMAT if it is not JSON. Messages
 * never quote the file's content (key files and STA tables are secret).
 */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new HydroSyncError('IO', `cannot read ${what} ${path}: ${ioReason(e)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const message = String((e as Error).message);
    const where = text.trim() === '' ? ' (the file is empty)'
      : m ? ` (error near ${lineAndColumn(text, Number(m[1]))})`
      : /end of (JSON )?input/i.test(message) ? ' (the text ends too early)' : '';
    throw new HydroSyncError('FORMAT', `${what} ${path} is not valid JSON${where}`);
  }
}
