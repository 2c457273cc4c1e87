import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser } from 'playwright-core';
import { formatMoney, parseAmount } from '../../src/billing/money';
import { runCli } from '../../src/cli/program';
import { MAX_MEETINGS_SHOWN } from '../../src/bot/cards/meetings-list-card';
import { SAMPLE_RATES_FILE } from '../../src/demo/seed-demo';
import {
  PLAYGROUND_TENANT_ID,
  REPO_ROOT,
  freePort,
  startPlayground,
  startTollgate,
  type ChildService,
} from '../../scripts/playground-processes';
import { PlaygroundPage } from './playground-page';
import { scaled } from '../support/time-scale';

/**
 * End to end in a real browser: Tollgate on a fresh SQLite file with the demo seed, the Microsoft 365 Agents
 * Playground in front of it, and Debian's chromium driving the Playground's page the way a person would: type a
 * command, read the Adaptive Card that comes back, press its buttons. The expected figures come from the ledger
 * (through the CLI) and the sample rate card, not from the cards' own code.
 *
 * Needs chromium (`apt-get install chromium`; CHROMIUM_PATH to use another). Without it the suite is skipped on a
 * developer machine and fails under CI, where `.ci/run` installs it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const IN_CI = !!process.env.CI && !['false', '0'].includes(process.env.CI.toLowerCase());
const OUT_DIR = path.join(REPO_ROOT, 'test-output', 'e2e');
/** `UPDATE_DOCS_SCREENSHOTS=1 npm run test:e2e` refreshes the README's screenshot. */
const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs', 'playground-balance.png');
const STEP_TIMEOUT_MS = scaled(20_000);
const TITLE = 'chatting with Tollgate in the Agents Playground (real browser)';

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && !IN_CI) {
  const reason = `chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  process.stderr.write(`Browser end-to-end suite skipped: ${reason}\n`);
  describe.skip(`${TITLE} [skipped: ${reason}]`, () => it.todo('runs with chromium installed'));
} else if (!haveChromium) {
  describe(TITLE, () => {
    it('has chromium to drive the Playground (CI never skips this suite)', () => {
      throw new Error(`chromium not found at ${CHROMIUM} and CI is set: install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`);
    });
  });
} else {
  describe(TITLE, () => {
    let dir: string;
    let databaseUrl: string;
    const services: ChildService[] = [];
    const logs: Record<string, string[]> = { tollgate: [], playground: [] };
    let browser: Browser | undefined;
    let chat: PlaygroundPage;
    let step = 0;
    let tests = 0;

    const cli = async (...args: string[]): Promise<unknown> => {
      let out = '';
      let err = '';
      const code = await runCli([...args, '--tenant', PLAYGROUND_TENANT_ID, '--json'], {
        out: (s) => (out += s),
        err: (s) => (err += s),
        progress: () => undefined,
        env: { DATABASE_URL: databaseUrl },
      });
      if (code !== 0) throw new Error(`tollgate ${args.join(' ')} exited ${code}: ${err}`);
      return JSON.parse(out);
    };
    const ledgerBalance = async () => {
      const b = (await cli('balance')) as { balanceMicros: number; currency: string };
      return { micros: b.balanceMicros, shown: formatMoney(b.balanceMicros, b.currency) };
    };
    const shot = (name: string) => path.join(OUT_DIR, `${String(++step).padStart(2, '0')}-${name}.png`);

    beforeAll(async () => {
      fs.rmSync(OUT_DIR, { recursive: true, force: true });
      fs.mkdirSync(OUT_DIR, { recursive: true });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-e2e-'));
      databaseUrl = `sqlite:${path.join(dir, 'tollgate.db')}`;
      const keep = (name: string) => (line: string) => logs[name]!.push(line);

      const tollgate = await startTollgate({
        port: await freePort(),
        databaseUrl,
        env: { SEED_DEMO: 'true', LOG_LEVEL: 'info', TOLLGATE_ADMINS: '' },
        onLine: keep('tollgate'),
        onSpawn: (s) => services.push(s),
        readyTimeoutMs: scaled(60_000),
      });
      const playground = await startPlayground({
        botEndpoint: tollgate.messagesEndpoint,
        port: 0,
        onLine: keep('playground'),
        onSpawn: (s) => services.push(s),
        readyTimeoutMs: scaled(60_000),
      });

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      await page.goto(playground.url, { waitUntil: 'domcontentloaded' });
      chat = new PlaygroundPage(page, STEP_TIMEOUT_MS);
    }, scaled(150_000));

    afterEach(async () => {
      // Whatever happened, keep a picture of the page as the test left it.
      const slug = (expect.getState().currentTestName ?? 'test').replace(TITLE, '').replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60);
      await chat?.screenshotPage(path.join(OUT_DIR, 'pages', `${String(++tests).padStart(2, '0')}-${slug}.png`)).catch(() => undefined);
    });

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await Promise.all(services.map((s) => s.stop()));
      for (const [name, lines] of Object.entries(logs)) {
        fs.mkdirSync(OUT_DIR, { recursive: true });
        fs.writeFileSync(path.join(OUT_DIR, `${name}.log`), lines.join('\n') + '\n');
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, scaled(30_000));

    it('greets with the help card when the chat opens', async () => {
      await chat.waitForCardNumber(0);
      await chat.expectCardText(0, ['What Tollgate can do', 'balance', 'rates', 'credits add <amount>', 'You are a Tollgate admin']);
      await chat.screenshotCard(0, shot('help'));
    });

    let balanceCard = -1;
    let balanceBefore: { micros: number; shown: string };

    it('balance: shows the Communications Credits balance the ledger holds, with a Refresh button', async () => {
      balanceBefore = await ledgerBalance();
      // The big figure under the title is the balance (the expiry line below may show the same amount).
      balanceCard = await chat.say('balance', [`Communications Credits ${balanceBefore.shown}`, 'Auto-recharge', 'Dial-out minute pool this month']);
      await chat.card(balanceCard).getByRole('button', { name: 'Refresh', exact: true }).waitFor();
      const file = shot('balance');
      await chat.screenshotCard(balanceCard, file);
      if (process.env.UPDATE_DOCS_SCREENSHOTS) {
        fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
        fs.copyFileSync(file, DOCS_SCREENSHOT);
      }
    });

    it("rates Germany: shows Germany's dial-out rate from the rate card", async () => {
      const rows = parse(fs.readFileSync(SAMPLE_RATES_FILE, 'utf8'), { columns: true, comment: '#', comment_no_infix: true, skip_empty_lines: true }) as Record<string, string>[];
      const germany = rows.find((r) => r.kind === 'conf_out' && r.country === 'DE' && r.prefix === '');
      const perMinute = parseAmount(germany?.perMinute ?? '');
      if (!germany || !perMinute.ok) throw new Error(`${SAMPLE_RATES_FILE} has no Germany dial-out default rate`);
      const rate = formatMoney(perMinute.micros, germany.currency ?? 'USD');
      const card = await chat.say('rates Germany', ['Call rates', 'Germany', 'Dial-out to Germany', `${rate} per minute`, 'Zone A']);
      await chat.screenshotCard(card, shot('rates-germany'));
    });

    it('credits add 25 (admin): records the credits and shows the balance before and after', async () => {
      const after = formatMoney(balanceBefore.micros + 25_000_000, 'USD');
      const card = await chat.say('credits add 25', [
        '$25.00 of Communications Credits recorded',
        `Balance ${balanceBefore.shown}`,
        `Balance ${after}`,
        'Alex Wilber',
      ]);
      expect((await ledgerBalance()).shown).toBe(after);
      await chat.screenshotCard(card, shot('credits-add'));
    });

    it('Refresh on the earlier balance card redraws it in place with the new balance', async () => {
      const cardsBefore = await chat.cards.count();
      const after = formatMoney(balanceBefore.micros + 25_000_000, 'USD');
      // Still the balance as it was when the card was sent: only Refresh changes it.
      await chat.expectCardText(balanceCard, [balanceBefore.shown], [after]);
      await chat.press(balanceCard, 'Refresh');
      await chat.expectCardText(balanceCard, [`Communications Credits ${after}`]);
      expect(await chat.cards.count()).toBe(cardsBefore);
      await chat.screenshotCard(balanceCard, shot('balance-refreshed'));
    });

    it("meetings, then Details: shows that meeting's calls and cost", async () => {
      const meetings = (await cli('meetings')) as { conferenceId: string; chargeMicros: number; legs: number }[];
      expect(meetings.length).toBeGreaterThan(0);
      // The card lists the newest MAX_MEETINGS_SHOWN of them.
      const listed = meetings.slice(0, MAX_MEETINGS_SHOWN).flatMap((m) => [m.conferenceId, formatMoney(m.chargeMicros, 'USD')]);
      const card = await chat.say('meetings', ['Recent meetings', ...listed]);
      await chat.screenshotCard(card, shot('meetings'));

      const newest = meetings[0]!;
      await chat.press(card, 'Details', newest.conferenceId);
      // Action.Execute answers with a card that replaces the list in place.
      await chat.expectCardText(card, ['Meeting cost', newest.conferenceId, formatMoney(newest.chargeMicros, 'USD'), `${newest.legs} calls`], ['Recent meetings']);
      await chat.screenshotCard(card, shot('meeting-details'));
    });

    it("usage (admin): Download CSV is a signed link that downloads this tenant's calls of the period", async () => {
      const card = await chat.say('usage this month', ['Download CSV']);
      await chat.screenshotCard(card, shot('usage'));
      // The Playground draws an Action.OpenUrl as a link-role button whose title is the address it opens.
      const link = chat.card(card).getByRole('link', { name: 'Download CSV', exact: true });
      const url = (await link.getAttribute('title', { timeout: STEP_TIMEOUT_MS })) ?? '';
      expect(url).toMatch(/\/api\/reports\/legs\.csv\?/);
      expect(url).toContain(PLAYGROUND_TENANT_ID);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/csv/);
      const rows = parse(await res.text(), { columns: true, bom: true }) as Record<string, string>[];
      expect(rows.length).toBeGreaterThan(0);
      // Exactly the calls the ledger holds for this month so far, in the admin center's columns.
      const today = new Date().toISOString().slice(0, 10);
      const legs = (await cli('calls', 'list', '--from', `${today.slice(0, 8)}01`, '--to', today)) as { id: string }[];
      expect(rows.map((r) => r.UsageId).sort()).toEqual(legs.map((l) => l.id).sort());
      expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['Call Type', 'Charge', 'Tollgate Charge']));
    });

    it('advisor (admin): after the subscription price is set, shows what each organizer would cost under the other license', async () => {
      await chat.say('advisor price 8', ['$8.00']);
      const card = await chat.say('advisor', ['License advisor']);
      await chat.screenshotCard(card, shot('advisor'));
    });

    it('digest (admin): the monthly digest of this month so far', async () => {
      const card = await chat.say('digest this month', ['Monthly digest']);
      await chat.screenshotCard(card, shot('digest'));
    });

    it('incidents (admin): the toll-fraud incidents card', async () => {
      const card = await chat.say('incidents', ['Toll-fraud incidents']);
      await chat.screenshotCard(card, shot('incidents'));
    });

    it('low-balance alert (admin): a card arrives on its own when a change takes the balance below the alert', async () => {
      const before = await ledgerBalance();
      // The alert at the balance as it stands (whole units), then a correction of 5 below it: one crossing.
      const threshold = Math.floor(before.micros / 1_000_000);
      await chat.say(`alerts low-balance ${threshold}`, ['Low-balance alert set']);
      // Counted before the change: the outbox worker may deliver the alert before the CLI's exit is seen here.
      const cardsBefore = await chat.cards.count();
      let err = '';
      const code = await runCli(['credits', 'adjust', '-5', '--memo', 'e2e: cross the low-balance alert', '--tenant', PLAYGROUND_TENANT_ID], {
        out: () => undefined,
        err: (s) => (err += s),
        progress: () => undefined,
        env: { DATABASE_URL: databaseUrl },
      });
      if (code !== 0) throw new Error(`credits adjust exited ${code}: ${err}`);
      const after = await ledgerBalance();
      expect(after.micros).toBe(before.micros - 5_000_000);
      // Nobody typed anything: the outbox worker delivers it to the admin's chat.
      const card = await chat.waitForCardNumber(cardsBefore);
      await chat.expectCardText(card, ['Tollgate alert', 'Balance below your low-balance alert', after.shown, 'credits add']);
      await chat.screenshotCard(card, shot('low-balance-alert'));
    });
  });
}
