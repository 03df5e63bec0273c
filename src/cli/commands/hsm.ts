import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerHsmAudit } from './hsm-audit';
import { registerHsmConfig } from './hsm-config';
import { registerHsmInit } from './hsm-init';
import { registerHsmKeyImport } from './hsm-key-import';
import { registerHsmKeyList } from './hsm-key-list';
import { registerHsmKeyChange } from './hsm-keychange';
import { registerHsmManage } from './hsm-manage';
import { registerHsmMigrate } from './hsm-migrate';
import { registerHsmMeter } from './hsm-meter';
import { registerHsmVend } from './hsm-vend';
import { registerHsmReprint } from './hsm-reprint';
import { registerHsmVerify } from './hsm-verify';
import { registerHsmReport } from './hsm-report';

const HSM_HELP = `
The store is an SQLite file or a PostgreSQL database (postgres://…, for several vending
nodes): --store FILE|URL, else $HYDROSYNC_STORE, else $XDG_DATA_HOME/hydrosync/hsm.sqlite, else
~/.local/share/hydrosync/hsm.sqlite. A store made by an older hydrosync is refused until
'hsm migrate' brings it to this version's schema. Its vending keys
are wrapped with the master key: --master-key-file FILE (64 hex digits, or JSON
{"format":"hydrosync-master-key/1","masterKey":"…"}), $HYDROSYNC_MASTER_KEY_FILE, or
$HYDROSYNC_MASTER_KEY (the hex); never on the command line. Key material is never printed.

Environment:
  HYDROSYNC_STORE              the store file, or a postgres:// connection string
  HYDROSYNC_NODE               this vending node's name (its audit chain; default main)
  HYDROSYNC_MASTER_KEY_FILE    file holding the master key
  HYDROSYNC_MASTER_KEY         the master key itself (64 hex digits)
  HYDROSYNC_OPERATOR           operator name for the audit log (default: your user name)
  HYDROSYNC_VENDING_POINT      vending point (default: "cli")
  HYDROSYNC_VENDING_KEY        vending key for hsm key import (else --key-file)
  HYDROSYNC_UTC_OFFSET         UTC offset for hsm init (420 WIB, 480 WITA, 540 WIT)

Exit status: 0 success; 1 refused by the module (NOT_FOUND, CONFLICT, LIMIT, KEY_EXPIRED,
KEY_INACTIVE, DDTK, RANGE, TID, KEY_CHANGE, AUDIT, …), a token that does not verify, a broken
audit chain, a refused fleet meter; 2 usage, input, key file, master key or store error.

Examples:
  $ hydrosync hsm init --generate-master-key master.key --store hsm.sqlite --utc-offset 420
  $ export HYDROSYNC_STORE=hsm.sqlite HYDROSYNC_MASTER_KEY_FILE=master.key
  $ hydrosync hsm key import --id 201457-krn1 --key-file vending-201457.json
  $ hydrosync hsm meter add --pan 600727000000000009 --customer-ref 01-0001234
  $ hydrosync hsm vend --pan 600727000000000009 --m3 2.55
  $ hydrosync hsm audit verify`;

/** `hydrosync hsm …`: the emulated security module. */
export function registerHsm(program: Command, ctx: CliContext, requireSubcommand: (c: Command) => void): void {
  const hsm = program.command('hsm')
    .summary('security module: init, migrate, key import, meter, vend, manage, keychange, verify, report, audit')
    .description('The emulated security module: vending keys wrapped with a master key, registered meters, TIDs that are never reused, and a hash-chained audit log.')
    .addHelpText('after', HSM_HELP);
  registerHsmInit(hsm, ctx);
  registerHsmMigrate(hsm, ctx);
  registerHsmConfig(hsm, ctx);
  const key = hsm.command('key').summary('vending keys: import, list').description('Vending keys in the store (wrapped with the master key).');
  registerHsmKeyImport(key, ctx);
  registerHsmKeyList(key, ctx);
  requireSubcommand(key);
  registerHsmMeter(hsm, ctx, requireSubcommand);
  registerHsmVend(hsm, ctx);
  registerHsmManage(hsm, ctx, requireSubcommand);
  registerHsmKeyChange(hsm, ctx);
  registerHsmReprint(hsm, ctx);
  registerHsmVerify(hsm, ctx);
  registerHsmReport(hsm, ctx, requireSubcommand);
  registerHsmAudit(hsm, ctx);
  requireSubcommand(hsm);
}
