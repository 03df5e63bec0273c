import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of this module: the source file under vitest, dist/ once bundled (ESM or CJS). */
function moduleDirectory(): string | undefined {
  if (typeof __dirname === 'string') return __dirname;
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
}

/**
 * The version of the installed `hydrosync` package, read at run time from the nearest
 * package.json named "hydrosync" above this module ("0.0.0-unknown" if none is found).
 */
export function packageVersion(): string {
  let dir = moduleDirectory();
  for (let i = 0; dir !== undefined && i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'hydrosync' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: go up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return '0.0.0-unknown';
}
