import fc from 'fast-check';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, T, setUpTenant } from '../support/fixtures';
import { ok } from '../../src/outcome';
import { scaled } from '../support/time-scale';

/**
 * Property: whatever sequence of funding, charges, refunds, adjustments, auto-recharges and expiries a tenant goes
 * through, the cached balance equals the sum of its immutable entries, every entry's balance_after follows from
 * the one before, and an auto-recharge only ever follows a debit that crossed the trigger.
 */
type Op =
  | { kind: 'fund'; amount: number }
  | { kind: 'charge'; amount: number }
  | { kind: 'refund'; amount: number }
  | { kind: 'adjust'; amount: number }
  | { kind: 'autorecharge'; trigger: number; amount: number }
  | { kind: 'advance'; days: number };

const money = (max: number) => fc.integer({ min: 1, max }).map((n) => n * 10_000); // cents-ish, in micros
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('fund' as const), amount: money(20_000) }),
  fc.record({ kind: fc.constant('charge' as const), amount: money(5_000) }),
  fc.record({ kind: fc.constant('charge' as const), amount: money(5_000) }),
  fc.record({ kind: fc.constant('refund' as const), amount: money(1_000) }),
  fc.record({ kind: fc.constant('adjust' as const), amount: fc.integer({ min: -1000, max: 1000 }).filter((n) => n !== 0).map((n) => n * 10_000) }),
  fc.record({ kind: fc.constant('autorecharge' as const), trigger: money(5_000), amount: money(10_000) }),
  fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 200 }) }),
);

describeEachEngine('ledger properties', (engine) => {
  const runs = engine === 'sqlite' ? 40 : 12;

  it('keeps balance == sum(entries) through any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { store, cleanup } = await freshStore(engine);
        try {
          const { tollgate, clock } = await setUpTenant(store, { now: new Date('2025-01-01T00:00:00Z') });
          let trigger: number | null = null;
          for (const op of ops) {
            switch (op.kind) {
              case 'fund':
                await tollgate.ledger.fund(T, op.amount, ADMIN, 'prop');
                break;
              case 'charge':
                await tollgate.ledger.withBook(T, async (book) => ok(book.charge(op.amount, { id: `leg-${Math.random()}`, seq: 1 })));
                break;
              case 'refund':
                await tollgate.ledger.refund(T, op.amount, ADMIN, 'prop');
                break;
              case 'adjust':
                await tollgate.ledger.adjust(T, op.amount, ADMIN, 'prop');
                break;
              case 'autorecharge':
                await tollgate.ledger.setAutoRecharge(T, op.trigger, op.amount, ADMIN);
                trigger = op.trigger;
                break;
              case 'advance':
                clock.advance(op.days * 86_400_000);
                await tollgate.ledger.balance(T); // applies due expiries
                break;
            }
          }
          const report = await tollgate.ledger.checkInvariant(T);
          expect(report?.ok).toBe(true);
          const entries = await tollgate.ledger.statement(T);
          let running = 0;
          entries.forEach((e, i) => {
            expect(e.seq).toBe(i + 1);
            running += e.amount_micros;
            expect(e.balance_after_micros).toBe(running);
            if (e.kind === 'auto_recharge') {
              const debit = entries[i - 1]!;
              expect(debit.amount_micros).toBeLessThan(0);
              expect(trigger).not.toBeNull();
            }
            if (e.kind === 'expiry') expect(e.amount_micros).toBeLessThan(0);
          });
          expect(report?.cachedBalanceMicros).toBe(running);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: runs },
    );
  }, scaled(240_000));

  it('expires exactly what an explicit FIFO model of the lots says is unspent', async () => {
    type Step = { kind: 'fund'; amount: number } | { kind: 'charge'; amount: number } | { kind: 'advance'; days: number };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('fund' as const), amount: money(10_000) }),
      fc.record({ kind: fc.constant('charge' as const), amount: money(8_000) }),
      fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 400 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 20 }), async (steps) => {
        const { store, cleanup } = await freshStore(engine);
        try {
          const start = new Date('2025-01-01T00:00:00Z');
          const { tollgate, clock } = await setUpTenant(store, { now: start });
          // The model: each lot's remaining money, spent oldest first; debt when everything is spent.
          const lots: { left: number; expires: number; expired: boolean }[] = [];
          let debt = 0;
          let modelExpired = 0;
          const expireModel = (now: number) => {
            for (const lot of lots) {
              if (!lot.expired && lot.expires <= now) {
                modelExpired += lot.left;
                lot.left = 0;
                lot.expired = true;
              }
            }
          };
          for (const s of steps) {
            const now = clock.now();
            if (s.kind === 'fund') {
              expireModel(now.getTime());
              const expires = new Date(now.getTime());
              expires.setUTCMonth(expires.getUTCMonth() + 12);
              const paid = Math.min(debt, s.amount);
              debt -= paid;
              lots.push({ left: s.amount - paid, expires: expires.getTime(), expired: false });
              await tollgate.ledger.fund(T, s.amount, ADMIN);
            } else if (s.kind === 'charge') {
              expireModel(now.getTime());
              let need = s.amount;
              for (const lot of lots) {
                if (lot.expired || need === 0) continue;
                const take = Math.min(lot.left, need);
                lot.left -= take;
                need -= take;
              }
              debt += need;
              await tollgate.ledger.withBook(T, async (book) => ok(book.charge(s.amount, { id: `leg-${Math.random()}`, seq: 1 })));
            } else {
              clock.advance(s.days * 86_400_000);
              expireModel(clock.now().getTime());
              await tollgate.ledger.balance(T);
            }
          }
          const expired = (await tollgate.ledger.statement(T)).filter((e) => e.kind === 'expiry').reduce((a, e) => a - e.amount_micros, 0);
          expect(expired).toBe(modelExpired);
          const b = await tollgate.ledger.balance(T);
          const modelBalance = lots.reduce((a, l) => a + l.left, 0) - debt;
          expect(b.ok && b.value.balanceMicros).toBe(modelBalance);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: runs },
    );
  }, scaled(240_000));
});
