import { type Command, Option } from 'commander';
import { AUDIT_OUTCOMES, type AuditQuery, DEFAULT_AUDIT_PAGE } from '../../hsm/audit-query';
import { readJsonFile } from '../../node/json-file';
import { writeSecretFile } from '../../node/secret-file';
import type { CliContext } from '../context';
import { CliExit, EXIT, usage } from '../exit-codes';
import { defaultSubcommand } from '../command-groups';
import { columns, examples } from '../help-text';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';
import { optionalInteger } from '../option-values';
import { panOption } from '../options/pan';

interface AuditListOptions {
  pan?: string; txn?: string; operator?: string; outcome?: AuditQuery['outcome'];
  from?: string; to?: string; limit?: string; page?: string; before?: string; all?: boolean;
}

/** `hydrosync hsm audit [list]`, `hsm audit verify`, `hsm audit export`. */
export function registerHsmAudit(hsm: Command, ctx: CliContext): void {
  const audit = hsm.command('audit').summary('the hash-chained audit log: list, verify, export')
    .description('The audit log: one hash-chained record per operation (vends, reissues, refusals, management, key changes, key imports, meters). It never holds key material; tokens appear only as SHA-256 hashes.');

  const list = defaultSubcommand(audit.command('list', { isDefault: true })).summary('list audit records, newest page first (the default)')
    .description(`Audit records, ${DEFAULT_AUDIT_PAGE} at a time: the newest page by default, oldest to newest within it. Filters combine (all must match); dates are local dates in the module's zone (hsm config).`)
    .option('--pan <pan>', 'only this meter')
    .option('--txn <id>', 'only this transaction id')
    .option('--operator <name>', 'only this operator')
    .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(AUDIT_OUTCOMES))
    .option('--from <date>', 'from this local date YYYY-MM-DD (inclusive)')
    .option('--to <date>', 'to this local date YYYY-MM-DD (inclusive)')
    .addOption(new Option('--limit <n>', `records per page (default ${DEFAULT_AUDIT_PAGE})`).conflicts('all'))
    .addOption(new Option('--page <n>', 'page N: 1 the newest, 2 the one before…').conflicts(['before', 'all']))
    .addOption(new Option('--before <seq>', 'the page of records before sequence number SEQ').conflicts('all'))
    .option('--all', 'every matching record, no paging');
  addStoreOptions(list, { json: 'print one JSON object {"records":[…],"matched","older"}' })
    .addHelpText('after', examples([
      'hydrosync hsm audit --outcome refused --from 2026-12-01 --to 2026-12-07',
      'hydrosync hsm audit --pan 6004 0000 0000 1234 56 --all',
      'hydrosync hsm audit --before 120',
    ]))
    .action(async (o: StoreOptionValues & AuditListOptions) => {
      const count = (v: string | undefined, flag: string) => optionalInteger(v, flag, 1, Number.MAX_SAFE_INTEGER);
      // Options not given stay undefined: the query ignores them.
      const query: AuditQuery = {
        pan: o.pan === undefined ? undefined : panOption(o.pan), transactionId: o.txn, operator: o.operator, outcome: o.outcome,
        from: o.from, to: o.to, limit: count(o.limit, '--limit'), page: count(o.page, '--page'), before: count(o.before, '--before'), all: o.all,
      };
      await withHsm(ctx, o, async ({ hsm: m }) => {
        const { records, matched, older } = await m.queryAudit(query);
        if (o.json) return ctx.json({ records, matched, older });
        if (records.length === 0) return ctx.out(matched === 0 ? 'No audit records.' : 'No audit records on this page.');
        const head = ['SEQ', 'AT', 'OPERATOR', 'VENDING POINT', 'KIND', 'OUTCOME', 'PAN', 'AMOUNT', 'TID', 'TRANSACTION'];
        const rows = records.map((r) => [String(r.seq), r.at, r.operator, r.vendingPoint, r.kind,
          r.errorCode !== null ? `${r.outcome} (${r.errorCode})` : r.outcome, r.pan ?? '-', r.amount ?? '-', r.tid === null ? '-' : String(r.tid), r.transactionId]);
        for (const l of columns([head, ...rows])) ctx.out(l);
        if (older > 0) ctx.out(`${records.length} of ${matched} records; ${older} older: --before ${records[0]!.seq} (or --all).`);
      });
    });

  const verify = audit.command('verify').summary('check the hash chain; exit 1 and name the first bad record')
    .option('--checkpoint <file>', 'also check against a checkpoint made earlier (hsm audit checkpoint): records cut off the end are "truncated"');
  addStoreOptions(verify, { json: 'print one JSON object {"ok","records","firstBad"?}' })
    .addHelpText('after', '\nExit status: 0 the chain is intact; 1 a record was edited, deleted, inserted or reordered (the first bad one is named); 2 a usage or store error.')
    .action(async (o: StoreOptionValues & { checkpoint?: string }) => {
      const checkpoint = o.checkpoint === undefined ? undefined : readJsonFile(o.checkpoint, 'audit checkpoint');
      await withHsm(ctx, o, async ({ hsm: m }) => {
        const v = await m.verifyAudit(checkpoint === undefined ? {} : { checkpoint });
        if (o.json) ctx.json(v);
        if (v.ok) {
          if (!o.json) ctx.out(`Audit log intact: ${v.records} record${v.records === 1 ? '' : 's'}, hash chain verified.`);
          return;
        }
        const bad = v.firstBad;
        ctx.error(`AUDIT: the audit log is broken${bad ? ` at record ${bad.seq} (${bad.reason}): ${bad.message}` : ''}; keep the store as it is and report it`);
        throw new CliExit(EXIT.FAILED);
      });
    });

  const checkpoint = audit.command('checkpoint').summary('write a sealed checkpoint of the audit head, for audit verify --checkpoint')
    .description('Write the audit head (last record and its hash), sealed under the master key, to a file kept outside the store (another machine, paper, a ticket). A later "audit verify --checkpoint FILE" fails with "truncated" if records were cut off the end and an older head put back.')
    .requiredOption('--out <file>', 'write the checkpoint to FILE (JSON, mode 0600)')
    .option('--force', 'replace an existing file');
  addStoreOptions(checkpoint, { json: 'print the checkpoint\'s heads as one JSON object {"out","heads":[{"chain","seq"}]}' }).action(async (o: StoreOptionValues & { out: string; force?: boolean }) => {
    await withHsm(ctx, o, async ({ hsm: m }) => {
      const c = await m.auditCheckpoint();
      writeSecretFile(o.out, `${JSON.stringify(c)}\n`, { force: o.force === true, what: 'audit file' });
      const at = c.heads.map((h) => (h.chain === 'main' ? `record ${h.seq}` : `record ${h.seq} of chain ${h.chain}`)).join(', ');
      if (o.json) ctx.json({ out: o.out, heads: c.heads.map((h) => ({ chain: h.chain, seq: h.seq })) });
      else ctx.out(`Audit checkpoint at ${at} written to ${o.out}; keep it outside the store.`);
    });
  });

  const exp = audit.command('export').summary('export the audit log as CSV or NDJSON')
    .option('--format <format>', 'csv or ndjson', 'csv')
    .option('--out <file>', 'write to FILE (mode 0600) instead of stdout')
    .option('--force', 'with --out: replace an existing file');
  addStoreOptions(exp, { json: 'with --out: print a JSON summary {"out","format","records"}' })
    .addHelpText('after', examples([
      'hydrosync hsm audit export --format csv --out audit-2026-12.csv',
      'hydrosync hsm audit export --format ndjson | jq .kind',
    ]))
    .action(async (o: StoreOptionValues & { format: string; out?: string; force?: boolean }) => {
      const format = o.format.trim().toLowerCase();
      if (format !== 'csv' && format !== 'ndjson') usage('--format must be csv or ndjson');
      if (o.force && o.out === undefined) usage('--force only goes with --out FILE');
      await withHsm(ctx, o, async ({ hsm: m }) => {
        const lines = await m.exportAudit(format);
        const body = lines.map((l) => (l.endsWith('\n') ? l : `${l}\n`)).join('');
        if (o.out === undefined) return ctx.io.stdout(body);
        writeSecretFile(o.out, body, { force: o.force === true, what: 'audit file' });
        const records = format === 'csv' ? Math.max(0, lines.length - 1) : lines.length;
        if (o.json) ctx.json({ out: o.out, format, records });
        else ctx.out(`Wrote ${records} audit record${records === 1 ? '' : 's'} to ${o.out} (${format}).`);
      });
    });
}
