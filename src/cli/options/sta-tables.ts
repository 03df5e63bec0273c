import type { StaTables } from '../../cipher/sta-tables';
import type { CliContext } from '../context';
import { loadStaTablesFile } from '../../node/sta-tables-file';

export const STA_TABLES_ENV = 'HYDROSYNC_STA_TABLES';

const cache = new WeakMap<CliContext, { path: string; tables: StaTables }>();

/** The STA tables given by --sta-tables or HYDROSYNC_STA_TABLES (loaded once per run), if any. */
export function staTablesFromOptions(ctx: CliContext, file: string | undefined): StaTables | undefined {
  const path = file ?? ctx.env(STA_TABLES_ENV);
  if (path === undefined) return undefined;
  const cached = cache.get(ctx);
  if (cached?.path === path) return cached.tables;
  const tables = loadStaTablesFile(path);
  cache.set(ctx, { path, tables });
  return tables;
}
