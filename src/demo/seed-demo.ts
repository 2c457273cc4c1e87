import fs from 'node:fs';
import path from 'node:path';
import { parseAmount } from '../billing/money';
import { storeRateCardCsv } from '../rates/rate-card-store';
import { countTenants } from '../store/tenant-store';
import type { Tollgate } from '../tollgate';

/**
 * The demo tenant is the one the Microsoft 365 Agents Playground sends (conversation.tenantId), and its users are
 * the Playground's, so chatting with the local bot shows these figures.
 */
export const DEMO_TENANT_ID = '00000000-0000-0000-0000-0000000000001';
const DEMO_ACTOR = 'demo-seed';
export const SAMPLE_RATES_FILE = path.join(__dirname, '..', '..', 'data', 'rates.sample.csv');

const DEMO_USERS = `aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn
00000000-0000-0000-0000-0000000000020,alexw@example.com,Alex Wilber,US,MCOMEETADV;MCOPSTNPP,,true
00000000-0000-0000-0000-0000000000021,meganb@example.com,Megan Bowen,GB,MCOMEETADV;MCOPSTNPP,,true
00000000-0000-0000-0000-0000000000022,adelev@example.com,Adele Vance,DE,MCOMEETACPEA,DialoutCPCDomesticPSTNInternational,true
00000000-0000-0000-0000-0000000000023,isaiah@example.com,Isaiah Langer,BR,MCOMEETADV,,false
`;

/**
 * On an empty database, a demo tenant with the sample rate card, four organizers, credits, three months of
 * meetings before this one and a few meetings' worth of legs this month, so a newcomer who runs `npm start` sees
 * real figures (the digest and the license advisor included). Never touches a database that
 * already has a tenant.
 */
export async function seedDemoIfEmpty(t: Tollgate): Promise<boolean> {
  if ((await countTenants(t.store.db)) > 0) return false;
  const now = t.clock.now();
  const created = await t.directory.initTenant(
    { tenantId: DEMO_TENANT_ID, country: 'US', currency: 'USD', name: 'Contoso (demo)', poolLicenses: 2 },
    DEMO_ACTOR,
  );
  if (!created.ok) return false; // another replica seeded it first
  const rates = fs.readFileSync(SAMPLE_RATES_FILE, 'utf8');
  const loaded = await t.store.inTransaction((tx) => storeRateCardCsv(tx, rates, undefined));
  if (!loaded.ok) throw new Error(`the sample rate card does not load: ${loaded.message}`);
  const users = await t.directory.importUsersCsv(DEMO_TENANT_ID, DEMO_USERS, DEMO_ACTOR);
  if (!users.ok) throw new Error(users.message);
  await t.directory.setAdmin(DEMO_TENANT_ID, 'alexw@example.com', true, DEMO_ACTOR);
  const amount = parseAmount('200');
  if (amount.ok) await t.ledger.fund(DEMO_TENANT_ID, amount.micros, DEMO_ACTOR, 'demo funding');
  const fifty = parseAmount('50');
  const hundred = parseAmount('100');
  if (fifty.ok && hundred.ok) await t.ledger.setAutoRecharge(DEMO_TENANT_ID, fifty.micros, hundred.micros, DEMO_ACTOR);
  await t.intake.ingest(DEMO_TENANT_ID, demoLegs(now));
  return true;
}

function demoLegs(now: Date): unknown[] {
  const day = (daysAgo: number, hour: number) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, hour));
    // Keep the demo in this month, so the balance card's month-to-date has figures.
    return d.getUTCMonth() === now.getUTCMonth() ? d : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, hour));
  };
  const leg = (n: number, conf: string, organizer: string, callType: string, number: string, minutes: number, start: Date, inventoryType = 'Toll') => ({
    id: `demo-${String(n).padStart(4, '0')}`,
    callId: `demo-call-${n}`,
    callType,
    conferenceId: conf,
    userId: organizer,
    userPrincipalName: null,
    calleeNumber: number,
    callerNumber: '+14255550100',
    inventoryType,
    startDateTime: start.toISOString(),
    endDateTime: new Date(start.getTime() + minutes * 60_000).toISOString(),
    duration: minutes * 60 - 7,
  });
  const alex = '00000000-0000-0000-0000-0000000000020';
  const priya = '00000000-0000-0000-0000-0000000000021';
  const jonas = '00000000-0000-0000-0000-0000000000022';
  // The three months before this one, so the monthly digest and the license advisor have a history to work on:
  // Alex's weekly sync (toll dial-in and a dial-out to London), Megan's monthly board call to a German mobile,
  // Adele's Berlin stand-ups twice a week (she pays per minute for every dial-in), and Isaiah, who never meets.
  const history: unknown[] = [];
  let n = 100;
  for (let back = 3; back >= 1; back--) {
    const at = (dayOfMonth: number, hour: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, dayOfMonth, hour));
    for (const week of [0, 1, 2, 3]) {
      history.push(leg(n++, `conf-sync-m${back}-w${week}`, alex, 'conf_in', '+12025550123', 45, at(3 + 7 * week, 15)));
      history.push(leg(n++, `conf-sync-m${back}-w${week}`, alex, 'conf_out', '+442079460958', 30, at(3 + 7 * week, 15)));
      for (const dayOffset of [0, 2]) {
        history.push(leg(n++, `conf-standup-m${back}-w${week}-${dayOffset}`, jonas, 'conf_in', '+4930901820', 20, at(2 + 7 * week + dayOffset, 8)));
      }
    }
    history.push(leg(n++, `conf-board-m${back}`, priya, 'conf_out', '+4915112345678', 30, at(12, 9)));
  }
  return [
    ...history,
    leg(1, 'conf-weekly-sync', alex, 'conf_in', '+12025550123', 42, day(3, 15)),
    leg(2, 'conf-weekly-sync', alex, 'conf_in', '+18005550199', 38, day(3, 15), 'TollFree'),
    leg(3, 'conf-weekly-sync', alex, 'conf_out', '+442079460958', 40, day(3, 15)),
    leg(4, 'conf-board-review', priya, 'conf_out', '+4915112345678', 55, day(2, 9)),
    leg(5, 'conf-board-review', priya, 'conf_out', '+81312345678', 30, day(2, 9)),
    leg(6, 'conf-board-review', priya, 'conf_in', '+442079460123', 61, day(2, 9)),
    leg(7, 'conf-berlin-standup', jonas, 'conf_in', '+4930901820', 15, day(1, 8)),
    leg(8, 'conf-berlin-standup', jonas, 'conf_out', '+4930123456', 14, day(1, 8)),
    leg(9, 'conf-berlin-standup', jonas, 'conf_out', '+33142685300', 12, day(1, 8)),
  ];
}
