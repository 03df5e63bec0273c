/**
 * `hydrosync serve user create`: the first admin user of the website (later ones: POST /v1/users).
 * The password comes from $HYDROSYNC_PASSWORD or the first line of standard input (a pipe or file,
 * never a terminal, where it would be echoed); it is never printed.
 */
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import type { StoreOptionValues } from '../hsm/store-options';
import { withServerStore } from './api-key-commands';

/** The variable the password may come from. */
export const PASSWORD_ENV = 'HYDROSYNC_PASSWORD';

async function readPassword(ctx: CliContext): Promise<string> {
  const fromEnv = ctx.io.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const stdin = ctx.io.stdin;
  if (stdin === undefined || (stdin as { isTTY?: boolean }).isTTY === true) {
    return usage(`give the password on standard input (a pipe or a file: it is not read from a terminal, which would echo it) or in ${PASSWORD_ENV}`);
  }
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') usage(`no password on standard input: give it on the first line, or in ${PASSWORD_ENV}`);
  return line;
}

export async function createUserCommand(ctx: CliContext, o: StoreOptionValues & { role: 'admin'; username: string }): Promise<void> {
  const password = await readPassword(ctx);
  const { createAdminUser } = await import('../../server/accounts');
  const { HttpProblem } = await import('../../server/problem');
  await withServerStore(ctx, o, async (store) => {
    let row;
    try {
      row = await createAdminUser(store, { username: o.username, password, createdBy: 'cli' }, ctx.now());
    } catch (e) {
      if (e instanceof HttpProblem && e.status === 400) usage(e.message.replace('body.password', 'the password'));
      throw e;
    }
    if (o.json) return ctx.json({ username: row.username, role: row.role, createdAt: row.createdAt });
    ctx.out(`Created admin user ${row.username}; sign in to the website with it. The store keeps only a hash of the password.`);
  });
}
