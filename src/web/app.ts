/**
 * The HydroSync website (served by `hydrosync serve` at `/`): sign-in, the customer's meters with
 * the remaining volume from their reports, buying water through the payment flow with the
 * block-tariff breakdown first, the token in 4-4-4-4-4 groups with a copy button, report codes;
 * and the admin's customer register. Indonesian by default, English on request. Plain DOM, no
 * framework; every text goes in as a text node (dom.ts).
 */
import { ApiError, api, useCsrfToken } from './api';
import { el, field, show } from './dom';
import { LANGUAGES, type Language, STRINGS, type Strings } from './strings';

interface Session { username: string; role: 'admin' | 'customer'; customerNumber: string | null; csrfToken: string }
interface MeterInfo { pan: string; keyRevisionNumber: number; customerGroup: string }
interface Summary { creditLitres: number | null; creditCubicMetres: string | null; consumptionLitresPerDay: number | null; daysLeft: number | null; lastSeen: string | null; alerts: string[] }
interface TariffLine { fromCubicMetres: string; toCubicMetres: string | null; rupiahPerCubicMetre: number; litres: number; rupiah: number }
interface Quote { creditedLitres: number; tariff: { chargedRupiah: number; changeRupiah: number; lines: TariffLine[] } }
interface Issued { tokens: string[]; grouped: string[]; pendingKeyChange?: { grouped: string[] } }
interface Payment { id: string; status: string; payUrl: string; quote?: Quote; issued?: Issued }
interface Customer { number: string; name: string; phone: string | null; meters?: string[] }

const root = document.getElementById('app')!;
/** Set in localStorage while this browser has signed in (a hint only: the server decides). */
const SIGNED_IN = 'hydrosync.signedIn';
let lang: Language = pickLanguage();
let t: Strings = STRINGS[lang];

function pickLanguage(): Language {
  const asked = new URLSearchParams(location.search).get('lang') ?? localStorage.getItem('hydrosync.lang') ?? document.documentElement.lang;
  return (LANGUAGES as readonly string[]).includes(asked) ? asked as Language : 'id';
}

function setLanguage(next: Language): void {
  lang = next;
  t = STRINGS[next];
  localStorage.setItem('hydrosync.lang', next);
  document.documentElement.lang = next;
  document.title = t.title;
  void start();
}

const rupiah = (n: number) => `Rp ${n.toLocaleString(lang === 'id' ? 'id-ID' : 'en-US')}`;
const volume = (litres: number) => `${(litres / 1000).toLocaleString(lang === 'id' ? 'id-ID' : 'en-US', { maximumFractionDigits: 3 })} ${t.cubicMetres}`;
const message = (e: unknown) => (e instanceof ApiError ? e.message : t.error);

function header(session: Session | undefined): HTMLElement {
  const other = lang === 'id' ? 'en' : 'id';
  return el('header', {},
    el('h1', {}, 'HydroSync'),
    el('nav', {},
      el('button', { type: 'button', class: 'link', lang: other, onclick: () => setLanguage(other) }, t.language),
      session !== undefined && el('button', {
        type: 'button', class: 'link', onclick: async () => {
          await api('DELETE', '/v1/session').catch(() => undefined);
          useCsrfToken(undefined);
          localStorage.removeItem(SIGNED_IN);
          void start();
        },
      }, `${t.signOut} (${session.username})`)));
}

/** A status line read out by screen readers. */
function status(): HTMLElement {
  return el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
}

function signInView(): void {
  const user = field('username', t.username, { autocomplete: 'username', required: true, autocapitalize: 'none' });
  const pass = field('password', t.password, { type: 'password', autocomplete: 'current-password', required: true });
  const note = status();
  const form = el('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const s = await api<Session>('POST', '/v1/session', { username: user.input.value.trim().toLowerCase(), password: pass.input.value });
        useCsrfToken(s.csrfToken);
        localStorage.setItem(SIGNED_IN, '1');
        void start();
      } catch (err) {
        note.textContent = err instanceof ApiError && (err.status === 401 || err.status === 429) ? t.signInFailed : message(err);
      }
    },
  }, user.row, pass.row, el('button', { type: 'submit' }, t.signIn), note);
  show(root, header(undefined), el('main', {}, el('h2', {}, t.signIn), form));
  user.input.focus();
}

/** A token in groups of four with a copy button. */
function tokenBlock(grouped: string): HTMLElement {
  const copy = el('button', {
    type: 'button', class: 'small', onclick: async () => {
      await navigator.clipboard?.writeText(grouped.replace(/ /g, '')).catch(() => undefined);
      copy.textContent = t.copied;
    },
  }, t.copy);
  return el('p', { class: 'token' }, el('output', { class: 'digits' }, grouped), ' ', copy);
}

function issuedBlock(issued: Issued): HTMLElement {
  return el('div', { class: 'issued' },
    issued.pendingKeyChange !== undefined && el('div', {}, el('p', {}, t.keyChangeFirst), ...issued.pendingKeyChange.grouped.map(tokenBlock)),
    el('p', {}, t.enterToken), ...issued.grouped.map(tokenBlock));
}

function quoteBlock(q: Quote): HTMLElement {
  return el('div', { class: 'quote' },
    el('table', {},
      el('caption', {}, t.breakdown),
      ...q.tariff.lines.map((l) => el('tr', {},
        el('td', {}, `${l.fromCubicMetres}–${l.toCubicMetres ?? '∞'} ${t.cubicMetres}`),
        el('td', {}, `${rupiah(l.rupiahPerCubicMetre)}/${t.cubicMetres}`),
        el('td', {}, volume(l.litres)), el('td', {}, rupiah(l.rupiah))))),
    el('p', {}, `${t.youGet}: `, el('strong', {}, volume(q.creditedLitres)), ` · ${t.change}: ${rupiah(q.tariff.changeRupiah)}`));
}

function buyForm(pan: string): HTMLElement {
  const amount = field(`amount-${pan}`, t.amountRupiah, { inputmode: 'numeric', pattern: '[0-9_.]*', required: true, value: '50000' });
  const out = el('div', {});
  const note = status();
  const previewButton = el('button', { type: 'button', class: 'secondary' }, t.preview);
  previewButton.addEventListener('click', async () => {
    try {
      show(out, quoteBlock(await api<Quote>('POST', '/v1/payments/quote', { pan, rupiah: amount.input.value.trim() })));
      note.textContent = '';
    } catch (e) { note.textContent = message(e); }
  });
  const form = el('form', {
    class: 'buy',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const p = await api<Payment>('POST', '/v1/payments', { pan, rupiah: amount.input.value.trim() });
        show(out, p.quote !== undefined && quoteBlock(p.quote), el('p', {}, el('a', { href: p.payUrl, target: '_blank', rel: 'noopener' }, t.openPayment)));
        note.textContent = t.waitingPayment;
        await waitForToken(p.id, out, note);
      } catch (err) { note.textContent = message(err); }
    },
  }, el('h4', {}, t.buy), amount.row, el('p', { class: 'actions' }, previewButton, el('button', { type: 'submit' }, t.pay)), note, out);
  return form;
}

/**
 * Poll the payment until its token is issued (or it fails), then show the token. A poll that fails
 * (the network, a busy server) is shown and tried again: the money may already be taken, so the
 * page never gives up on the token by itself.
 */
async function waitForToken(id: string, out: HTMLElement, note: HTMLElement): Promise<void> {
  for (let i = 0; i < 900; i++) {
    try {
      const p = await api<Payment>('GET', `/v1/payments/${encodeURIComponent(id)}`);
      if (p.status === 'issued' && p.issued !== undefined) {
        note.textContent = '';
        out.append(issuedBlock(p.issued));
        return;
      }
      if (p.status === 'expired' || p.status === 'failed') {
        note.textContent = t.paymentFailed;
        return;
      }
      note.textContent = t.waitingPayment;
    } catch (e) {
      note.textContent = `${t.waitingPayment} (${message(e)})`;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function summaryBlock(s: Summary): HTMLElement {
  if (s.creditLitres === null) return el('p', { class: 'muted' }, t.noReport);
  return el('dl', { class: 'summary' },
    el('dt', {}, t.remaining), el('dd', { class: 'remaining' }, volume(s.creditLitres)),
    s.consumptionLitresPerDay !== null && el('dt', {}, t.perDay), s.consumptionLitresPerDay !== null && el('dd', {}, volume(s.consumptionLitresPerDay)),
    s.daysLeft !== null && el('dt', {}, t.daysLeft), s.daysLeft !== null && el('dd', {}, String(s.daysLeft)),
    el('dt', {}, t.lastReport), el('dd', {}, new Date(s.lastSeen!).toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB')),
    s.alerts.length > 0 && el('dt', {}, t.alerts), s.alerts.length > 0 && el('dd', { class: 'alerts' }, s.alerts.join(', ')));
}

function reportForm(pan: string, summary: HTMLElement): HTMLElement {
  const code = field(`report-${pan}`, t.reportCode, { inputmode: 'numeric', autocomplete: 'off', required: true });
  const note = status();
  return el('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api<{ summary: Summary }>('POST', `/v1/meters/${pan}/reports`, { code: code.input.value });
        show(summary, summaryBlock(r.summary));
        code.input.value = '';
        note.textContent = '';
      } catch (err) { note.textContent = message(err); }
    },
  }, code.row, el('button', { type: 'submit', class: 'secondary' }, t.sendReport), note);
}

async function meterCard(m: MeterInfo): Promise<HTMLElement> {
  const summary = el('div', {}, t.loading);
  api<Summary>('GET', `/v1/meters/${m.pan}/summary`).then((s) => show(summary, summaryBlock(s)), (e) => show(summary, message(e)));
  const grouped = m.pan.replace(/(\d{6})(\d{11})(\d)/, '$1 $2 $3');
  return el('section', { class: 'card', 'data-pan': m.pan }, el('h3', {}, `${t.meter} ${grouped}`), summary, buyForm(m.pan), reportForm(m.pan, summary));
}

async function customerView(session: Session): Promise<void> {
  const meters = await api<MeterInfo[]>('GET', '/v1/me/meters');
  const main = el('main', {}, el('h2', {}, t.myMeters));
  show(root, header(session), main);
  if (meters.length === 0) main.append(el('p', {}, t.noMeters));
  for (const m of meters) main.append(await meterCard(m));
}

async function adminView(session: Session): Promise<void> {
  const q = field('customer-search', t.search, { type: 'search' });
  const list = el('ul', { class: 'customers' });
  const load = async () => {
    const page = await api<{ items: Customer[] }>('GET', `/v1/customers?limit=50${q.input.value.trim() !== '' ? `&q=${encodeURIComponent(q.input.value.trim())}` : ''}`);
    show(list, ...page.items.map((c) => el('li', {}, el('strong', {}, c.number), ' ', c.name, c.phone !== null && ` · ${c.phone}`)));
  };
  const number = field('new-number', t.number, { required: true });
  const name = field('new-name', t.name, { required: true });
  const phone = field('new-phone', t.phone, { type: 'tel' });
  const pan = field('new-pan', t.pan, { inputmode: 'numeric' });
  const note = status();
  const register = el('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', '/v1/customers', { number: number.input.value.trim(), name: name.input.value.trim(), ...(phone.input.value.trim() !== '' ? { phone: phone.input.value.trim() } : {}) });
        if (pan.input.value.trim() !== '') await api('POST', `/v1/customers/${encodeURIComponent(number.input.value.trim())}/meters`, { pan: pan.input.value.trim() });
        note.textContent = `${t.registered}: ${number.input.value.trim()}`;
        await load();
      } catch (err) { note.textContent = message(err); }
    },
  }, el('h3', {}, t.register), number.row, name.row, phone.row, pan.row, el('button', { type: 'submit' }, t.register), note);
  const search = el('form', { role: 'search', onsubmit: (e) => { e.preventDefault(); void load(); } }, q.row, el('button', { type: 'submit', class: 'secondary' }, t.search));
  show(root, header(session), el('main', {}, el('h2', {}, t.adminHome), el('section', { class: 'card' }, el('h3', {}, t.customers), search, list), el('section', { class: 'card' }, register)));
  await load();
}

async function start(): Promise<void> {
  document.documentElement.lang = lang;
  document.title = t.title;
  // Ask for the session only after a sign-in in this browser: a visitor's first page makes no
  // request that must fail (the cookie itself is httpOnly, out of the script's reach).
  let session: Session;
  try {
    if (localStorage.getItem(SIGNED_IN) === null) throw new Error('not signed in');
    session = await api<Session>('GET', '/v1/session');
  } catch {
    localStorage.removeItem(SIGNED_IN);
    signInView();
    return;
  }
  useCsrfToken(session.csrfToken);
  try {
    await (session.role === 'customer' ? customerView(session) : adminView(session));
  } catch (e) {
    show(root, header(session), el('main', {}, el('p', { role: 'alert' }, message(e))));
  }
}

if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
void start();
