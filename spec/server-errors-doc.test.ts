// docs/server.md's error table and the server agree: every HydroSyncError code is listed once, in
// the row of the status the server answers for it (src/server/error-status.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { HYDROSYNC_ERROR_STATUS } from '../src/server/error-status';

it('lists every HydroSyncError code in the row of its status, and no code the server does not know', () => {
  const page = readFileSync(join(__dirname, '..', 'docs', 'server.md'), 'utf8');
  const table = page.slice(page.indexOf('| status | code | when |'));
  const rows = table.split('\n').filter((l) => /^\| \d{3} \|/.test(l));
  const documented = new Map<string, number>();
  for (const row of rows) {
    const [, status, codes] = row.split('|').map((c) => c.trim());
    for (const code of codes!.match(/`[A-Z_]+`/g) ?? []) {
      const name = code.slice(1, -1);
      expect(documented.has(name), `${name} is listed twice`).toBe(false);
      documented.set(name, Number(status));
    }
  }
  for (const [code, status] of Object.entries(HYDROSYNC_ERROR_STATUS)) expect([code, documented.get(code)]).toEqual([code, status]);
  const http = ['DEACTIVATED', 'UNAUTHORIZED', 'FORBIDDEN', 'CSRF', 'METHOD_NOT_ALLOWED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'TOO_MANY_REQUESTS', 'UNAVAILABLE', 'INTERNAL'];
  expect([...documented.keys()].filter((c) => !(c in HYDROSYNC_ERROR_STATUS) && !http.includes(c))).toEqual([]);
});
