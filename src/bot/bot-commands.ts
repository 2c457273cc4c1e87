import { findDialOutPolicy, type DialOutPolicyName } from '../billing/dial-out-policy';
import { planFor, hasCommunicationsCredits } from '../billing/licenses';
import { parseAmount } from '../billing/money';
import { isAdminUser } from '../directory/directory';
import { organizerProfile } from '../directory/organizer-profile';
import { lookUpRates } from '../rates/rate-lookup';
import { loadRateCard } from '../rates/rate-card-store';
import { meetingCostStatus } from '../reconciliation/meeting-status';
import { isMonth, monthOf, Reconciliation } from '../reconciliation/reconciliation';
import { findMeetingCards, type MeetingCardRow, type OccurrenceWindow } from '../store/bot-store';
import { findTenant, type TenantRow } from '../store/tenant-store';
import type { UserRow } from '../store/user-store';
import type { Tollgate } from '../tollgate';
import type { MeetingCostFigures, MeetingView } from '../usage/meeting-queries';
import type { UsageReport, UsageReports } from '../usage/usage-report';
import { buildAdminResultCard, type AdminChange } from './cards/admin-result-card';
import { buildAutoRechargeFormCard } from './cards/autorecharge-form-card';
import { buildBadInputCard } from './cards/bad-input-card';
import { buildBalanceCard } from './cards/balance-card';
import type { CardContext } from './cards/card-context';
import type { PersonName } from './cards/card-format';
import { buildCreditsFormCard, MEMO_MAX_LENGTH } from './cards/credits-form-card';
import type { AdaptiveCardJson } from './cards/expand-card';
import { buildHelpCard } from './cards/help-card';
import { buildMeetingCostCard } from './cards/meeting-cost-card';
import { buildMeetingsListCard } from './cards/meetings-list-card';
import { buildOnboardingCard } from './cards/onboarding-card';
import { buildPolicyCard } from './cards/policy-card';
import { buildPolicyFormCard } from './cards/policy-form-card';
import { buildRatesCard } from './cards/rates-card';
import { buildReconcileCard } from './cards/reconcile-card';
import { buildRefusalCard } from './cards/refusal-card';
import { buildUsageReportCard } from './cards/usage-report-card';
import { buildMonthlyDigestCard } from './cards/monthly-digest-card';
import { MonthlyDigests, monthOfPeriod, noTopSaving, type TopSavingFinder } from '../digest/monthly-digest';
import { legsDownloadUrl } from '../reports/legs-download';
import { LINK_TTL_SECONDS } from '../reports/signed-link';
import { COMMAND_HELP, type Command, type ReconcilePeriod, type UserRef } from './commands/parse-command';
import { AdvisorCommands, adviceMonths } from './advisor-commands';
import { FraudCommands } from './fraud-commands';
import type { Caller } from './caller';

/** A user mentioned in the message (Teams mention entities). */
export interface MentionedUser {
  name: string;
  /** What stood between <at> and </at> in the message (may differ from the display name). */
  text?: string;
  /** Teams' user id (29:…), used when the mention carries no AAD object id. */
  id?: string;
  aadObjectId?: string;
}

export interface Turn {
  caller: Caller & { tenantId: string };
  mentions: readonly MentionedUser[];
  now: Date;
  /** The Teams user id of the reader (29:…): cards refresh automatically for them. */
  readerId?: string;
}

/**
 * Kinds that change something, or show what only admins may see (reconcile): admins only, everyone else gets a
 * refusal and nothing changes.
 */
const ADMIN_KINDS = new Set<Command['kind']>([
  'credits_add', 'credits_form', 'autorecharge_on', 'autorecharge_off', 'autorecharge_form', 'policy_set', 'policy_form',
  'license_set', 'tollfree_set', 'admins_add', 'admins_remove', 'alerts_low_balance', 'reconcile', 'digest',
  'advisor', 'advisor_price', 'incidents', 'fraud',
]);

const COMMAND_NAMES: Partial<Record<Command['kind'], string>> = {
  credits_add: 'credits add', credits_form: 'credits add', autorecharge_on: 'autorecharge on', autorecharge_off: 'autorecharge off',
  autorecharge_form: 'autorecharge', policy_set: 'policy set', policy_form: 'policy set', license_set: 'license', tollfree_set: 'tollfree',
  admins_add: 'admins add', admins_remove: 'admins remove', alerts_low_balance: 'alerts low-balance', reconcile: 'reconcile',
  digest: 'digest',
  advisor: 'advisor', advisor_price: 'advisor price',
  incidents: 'incidents', fraud: 'fraud',
};

export interface BotCommandsOptions {
  /** This server's address as Teams users reach it (config PUBLIC_BASE_URL): absent, cards offer no downloads. */
  publicBaseUrl?: string;
  /** The advisor's top saving for the monthly digest (issue 6); none by default. */
  topSaving?: TopSavingFinder;
}

type Resolved = { ok: true; user: UserRow } | { ok: false; card: AdaptiveCardJson };

/** Rows a turn has read already, handed to meetingCostCard so that it does not read them again. */
export interface KnownMeetingRows {
  /** The meeting's card row (the post-meeting card), and `organizer`: the user its organizer_id names. */
  card?: MeetingCardRow;
  organizer?: UserRow | undefined;
  /** The meeting itself, as meetings() or meeting() read it. */
  meeting?: MeetingView;
  /** A user read by this id (the caller): the organizer when the ids are equal. */
  user?: { id: string; row: UserRow | undefined };
  /** The meeting's legs, rollup row and balance after, as MeetingQueries.costFigures reads them. */
  figures?: MeetingCostFigures;
  /** One occurrence of a recurring meeting (its card's Refresh): its legs only. A `card` with a window brings its own. */
  occurrence?: OccurrenceWindow;
}

/**
 * Turns a parsed command into the card that answers it. The tenant and the user come from the activity only;
 * every admin command is checked here before anything is read or written.
 */
export class BotCommands {
  private readonly reconciliation: Reconciliation;
  private readonly digests: MonthlyDigests;
  private readonly advisor: AdvisorCommands;
  /** The toll-fraud guard's commands and cards (public: the incident card is also an admin notice). */
  readonly fraud: FraudCommands;

  constructor(
    private readonly t: Tollgate,
    private readonly reports: UsageReports,
    private readonly bootstrapAdmins: readonly string[],
    private readonly options: BotCommandsOptions = {},
  ) {
    this.reconciliation = new Reconciliation(t.store);
    this.digests = new MonthlyDigests(t.store, reports, options.topSaving ?? noTopSaving);
    this.advisor = new AdvisorCommands(t);
    this.fraud = new FraudCommands(t);
  }

  /** The onboarding card when Tollgate does not know the tenant, else undefined. */
  async onboardingIfUnknown(turn: Turn): Promise<AdaptiveCardJson | undefined> {
    if (await findTenant(this.t.store.db, turn.caller.tenantId)) return undefined;
    return buildOnboardingCard({ tenantId: turn.caller.tenantId });
  }

  async isAdmin(turn: Turn): Promise<boolean> {
    if (!turn.caller.userId) return false;
    return this.t.directory.isAdmin(turn.caller.tenantId, turn.caller.userId, this.bootstrapAdmins);
  }

  async context(turn: Turn, isAdmin?: boolean, known?: TenantRow): Promise<CardContext> {
    const tenant = known ?? (await findTenant(this.t.store.db, turn.caller.tenantId));
    return {
      currency: tenant?.currency ?? 'USD',
      locale: turn.caller.locale,
      isAdmin: isAdmin ?? (await this.isAdmin(turn)),
      now: turn.now,
      refreshUserIds: turn.readerId ? [turn.readerId] : [],
    };
  }

  async handle(command: Command, turn: Turn): Promise<AdaptiveCardJson> {
    // One look-up for both: is the tenant known, and its currency for the card.
    const tenant = await findTenant(this.t.store.db, turn.caller.tenantId);
    if (!tenant) return buildOnboardingCard({ tenantId: turn.caller.tenantId });
    // The caller's row, read once: whether they are an admin, and their name when a card shows them (meeting last).
    const userId = turn.caller.userId;
    const me = userId ? { id: userId, row: await this.t.directory.user(turn.caller.tenantId, userId) } : undefined;
    const admin = me ? isAdminUser(me.row, me.id, this.bootstrapAdmins) : false;
    if (ADMIN_KINDS.has(command.kind) && !admin) {
      return buildRefusalCard({ command: COMMAND_NAMES[command.kind] ?? command.kind, admins: await this.adminNames(turn.caller.tenantId) });
    }
    const ctx = await this.context(turn, admin, tenant);
    const tenantId = turn.caller.tenantId;
    switch (command.kind) {
      case 'help':
        return buildHelpCard(COMMAND_HELP, ctx);
      case 'balance':
        return this.balanceCard(turn, ctx, tenant);
      case 'usage':
        return this.usageCard(tenantId, await this.reports.report(tenantId, command.period, turn.now), ctx);
      case 'meetings':
        return this.meetingsCard(turn, ctx);
      case 'meeting':
        return this.meetingCard(turn, ctx, command.which === 'last' ? 'last' : command.which.conferenceId, me, command.which === 'last' ? undefined : command.which.occurrence);
      case 'rates':
        return this.ratesCard(turn, ctx, command.query);
      case 'policy':
        return this.policyCard(turn, ctx, command.user);
      case 'credits_form': {
        const b = await this.t.ledger.balance(tenantId);
        return buildCreditsFormCard({ balanceMicros: b.ok ? b.value.balanceMicros : null }, ctx);
      }
      case 'credits_add':
        return this.addCredits(turn, ctx, command.amountMicros, 'added in Teams');
      case 'autorecharge_form': {
        const b = await this.t.ledger.balance(tenantId);
        if (!b.ok) return this.failureCard('autorecharge', b.message);
        return buildAutoRechargeFormCard(b.value, ctx);
      }
      case 'autorecharge_on':
        return this.setAutoRecharge(turn, ctx, command.triggerMicros, command.amountMicros);
      case 'autorecharge_off':
        return this.autoRechargeOff(turn, ctx);
      case 'policy_set':
        return this.setPolicy(turn, ctx, command.target, command.policy);
      case 'policy_form':
        return this.policyForm(turn, command.target);
      case 'license_set':
        return this.setLicense(turn, ctx, command.user, command.plan, command.credits);
      case 'tollfree_set':
        return this.setTollFree(turn, ctx, command.user, command.on);
      case 'admins_add':
      case 'admins_remove':
        return this.setAdmin(turn, ctx, command.user, command.kind === 'admins_add');
      case 'alerts_low_balance':
        return this.setLowBalance(turn, ctx, command.amountMicros);
      case 'reconcile':
        return this.reconcileCard(turn, ctx, command.period);
      case 'advisor':
        return this.advisor.card(tenantId, ctx, command.months);
      case 'advisor_price':
        return this.advisor.setPrice(tenantId, ctx, command.amountMicros, this.actor(turn));
      case 'digest':
        return this.digestCard(tenantId, monthOfPeriod(command.period, turn.now), ctx);
      case 'incidents':
      case 'fraud':
        return this.fraud.handle(command, tenantId, ctx, this.actor(turn));
      case 'invalid':
        return buildBadInputCard({ command: command.command, problem: command.problem, usage: command.usage });
      case 'unknown':
        return buildBadInputCard({
          title: "I didn't understand that",
          problem: command.text ? `"${command.text}" is not something I know how to answer.` : 'That message had no text I could read.',
          usage: 'Try balance, meeting last, rates Germany, usage last month or policy. Type help for everything.',
        });
    }
  }

  // ---- card actions (Action.Execute) ------------------------------------------------------------------------

  /** Handles a card's Action.Execute; the tenant and the user still come from the activity, never from `data`. */
  async action(verb: string, data: Record<string, unknown>, turn: Turn): Promise<AdaptiveCardJson> {
    const text = (k: string) => (typeof data[k] === 'string' ? (data[k] as string).trim() : typeof data[k] === 'number' ? String(data[k]) : '');
    switch (verb) {
      case 'refresh.balance':
        return this.handle({ kind: 'balance' }, turn);
      case 'refresh.meetings':
        return this.handle({ kind: 'meetings' }, turn);
      case 'refresh.meeting':
      case 'show.meeting': {
        if (!text('conferenceId')) return this.handle({ kind: 'meeting', which: 'last' }, turn);
        // The card of one occurrence of a recurring meeting carries its window: Refresh shows that occurrence again.
        const occurrence = text('legsUntil') ? { after: text('legsAfter') || null, until: text('legsUntil') } : undefined;
        return this.handle({ kind: 'meeting', which: { conferenceId: text('conferenceId'), ...(occurrence ? { occurrence } : {}) } }, turn);
      }
      case 'refresh.usage':
        return this.usageRefresh(turn, text('from'), text('to'), text('label'));
      case 'refresh.advisor':
      case 'advisor.cancel':
        // Admins only, checked by handle.
        return this.handle({ kind: 'advisor', months: adviceMonths(text('months')) }, turn);
      case 'advisor.switch':
      case 'advisor.confirm': {
        // Admins only, like typing "advisor": anyone else gets its refusal and nothing changes. Only the user, the
        // license and the months come from the card; the tenant is the activity's.
        if (!(await this.isAdmin(turn)) || (await this.onboardingIfUnknown(turn))) return this.handle({ kind: 'advisor' }, turn);
        const ctx = await this.context(turn, true);
        const request = { user: text('user'), to: text('to'), months: adviceMonths(text('months')) };
        return verb === 'advisor.switch'
          ? this.advisor.confirmCard(turn.caller.tenantId, ctx, request)
          : this.advisor.apply(turn.caller.tenantId, ctx, request, this.actor(turn));
      }
      case 'refresh.digest':
        // Admins only, checked by handle; an odd month in the card's data falls back to last month.
        return this.handle({ kind: 'digest', period: isMonth(text('month')) ? { kind: 'month', month: text('month') } : { kind: 'last_month' } }, turn);
      case 'refresh.incidents':
        return this.handle({ kind: 'incidents' }, turn);
      case 'fraud.settings':
        return this.handle({ kind: 'fraud', request: { kind: 'settings' } }, turn);
      case 'fraud.incident':
        return this.handle({ kind: 'fraud', request: { kind: 'incident', incidentId: text('incidentId') } }, turn);
      case 'fraud.restrict':
      case 'fraud.block':
      case 'fraud.dismiss':
        // Admins only, checked by handle. The card names only the incident; the tenant and the admin are the activity's.
        return this.handle({ kind: 'fraud', request: { kind: 'decide', incidentId: text('incidentId'), decision: verb === 'fraud.restrict' ? 'restrict' : verb === 'fraud.block' ? 'block' : 'dismiss' } }, turn);
      case 'refresh.reconcile':
        // Admins only, checked by handle; an odd month in the card's data falls back to this month.
        return this.handle({ kind: 'reconcile', period: isMonth(text('month')) ? { kind: 'month', month: text('month') } : { kind: 'this_month' } }, turn);
      case 'credits.add': {
        const amount = parseAmount(text('amount'));
        if (!amount.ok || amount.micros === 0) {
          return buildBadInputCard({ command: 'credits add', problem: amount.ok ? 'The amount must be more than zero.' : amount.message, usage: 'credits add <amount>, e.g. credits add 200' });
        }
        if (!(await this.isAdmin(turn))) return this.handle({ kind: 'credits_add', amountMicros: amount.micros }, turn);
        const memo = text('memo');
        if (memo.length > MEMO_MAX_LENGTH) {
          return buildBadInputCard({ command: 'credits add', problem: `The memo is ${memo.length} characters long; keep it to ${MEMO_MAX_LENGTH}. Nothing was added.`, usage: `credits (the form), with a memo of up to ${MEMO_MAX_LENGTH} characters` });
        }
        const ctx = await this.context(turn, true);
        return this.addCredits(turn, ctx, amount.micros, memo || 'added in Teams');
      }
      case 'autorecharge.set': {
        if (text('enabled') === 'false') return this.handle({ kind: 'autorecharge_off' }, turn);
        const trigger = parseAmount(text('trigger'));
        const amount = parseAmount(text('amount'));
        if (!trigger.ok || !amount.ok || amount.micros === 0) {
          const problem = !trigger.ok ? `Trigger: ${trigger.message}` : !amount.ok ? `Amount: ${amount.message}` : 'The recharge amount must be more than zero.';
          return buildBadInputCard({ command: 'autorecharge on', problem, usage: 'autorecharge on <trigger> <amount>, e.g. autorecharge on 50 200' });
        }
        return this.handle({ kind: 'autorecharge_on', triggerMicros: trigger.micros, amountMicros: amount.micros }, turn);
      }
      case 'policy.set': {
        const policy = findDialOutPolicy(text('policy'));
        if (!policy) return buildBadInputCard({ command: 'policy set', problem: 'Pick one of the 12 dial-out policies.', usage: 'policy set global <Policy> or policy set @user <Policy>' });
        const target = text('target');
        return this.handle({ kind: 'policy_set', target: !target || target === 'global' ? 'global' : { text: target }, policy }, turn);
      }
      default:
        return buildBadInputCard({ title: 'That button is out of date', problem: `This card's action (${verb}) is not one I know any more.`, usage: 'Type help to see what I can do.' });
    }
  }

  /** The same period the card showed; anything odd in the card's data falls back to this month. */
  private async usageRefresh(turn: Turn, from: string, to: string, label: string): Promise<AdaptiveCardJson> {
    const f = Date.parse(from);
    const t = Date.parse(to);
    const sane = /^\d{4}-\d{2}-\d{2}T/.test(from) && /^\d{4}-\d{2}-\d{2}T/.test(to) && f < t && t - f <= 400 * 86_400_000;
    if (!sane) return this.handle({ kind: 'usage', period: { kind: 'this_month' } }, turn);
    const onboarding = await this.onboardingIfUnknown(turn);
    if (onboarding) return onboarding;
    const ctx = await this.context(turn);
    const period = { kind: 'range' as const, from: new Date(f).toISOString(), to: new Date(t).toISOString(), label: label.slice(0, 80) || 'Usage' };
    return this.usageCard(turn.caller.tenantId, await this.reports.report(turn.caller.tenantId, period, turn.now), ctx);
  }

  /**
   * The usage card; admins also get "Download CSV", a signed link to every leg of the period that works for a few
   * minutes and only for this tenant (the card's refresh makes a new one). Others see no button: the CSV holds every
   * organizer's calls.
   */
  private async usageCard(tenantId: string, report: UsageReport, ctx: CardContext): Promise<AdaptiveCardJson> {
    const base = this.options.publicBaseUrl;
    const download =
      ctx.isAdmin && base
        ? { url: await legsDownloadUrl(this.t.store.db, base, tenantId, report.range, ctx.now, LINK_TTL_SECONDS), minutes: LINK_TTL_SECONDS / 60 }
        : undefined;
    return buildUsageReportCard(report, ctx, { meetingTitles: await this.titles(tenantId, report.topMeetings.map((m) => m.key)), download });
  }

  /** The monthly digest of `month` (YYYY-MM); also what the admins get proactively on the 1st (digest/digest-notice.ts). */
  async digestCard(tenantId: string, month: string, ctx: CardContext): Promise<AdaptiveCardJson> {
    const d = await this.digests.digest(tenantId, month, ctx.now);
    if (!d.ok) return this.failureCard('digest', d.message);
    return buildMonthlyDigestCard(d.value, ctx);
  }

  // ---- everyone ---------------------------------------------------------------------------------------------

  private async balanceCard(turn: Turn, ctx: CardContext, tenant?: TenantRow): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    // The tenant's row as this turn read it: not read again.
    const b = await this.t.ledger.balance(tenantId, tenant);
    if (!b.ok) return this.failureCard('balance', b.message);
    const monthStart = `${b.value.pool.month}-01T00:00:00.000Z`;
    const { spend, daysLeft } = await this.reports.balanceSpend(tenantId, monthStart, new Date(turn.now.getTime() + 1).toISOString(), b.value.balanceMicros, turn.now);
    return buildBalanceCard({ balance: b.value, spend, daysLeft }, ctx);
  }

  private async meetingsCard(turn: Turn, ctx: CardContext): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    // Organizers see their own meetings; admins see all.
    const meetings = await this.t.meetings.meetings(tenantId, 20, ctx.isAdmin ? undefined : turn.caller.userId ?? '-');
    const organizers = new Map<string, PersonName>();
    for (const m of meetings) {
      if (m.organizerId && !organizers.has(m.organizerId)) {
        const u = await this.t.directory.user(tenantId, m.organizerId);
        if (u) organizers.set(m.organizerId, personOf(u));
      }
    }
    return buildMeetingsListCard({ meetings, titles: await this.titles(tenantId, meetings.map((m) => m.conferenceId)), organizers }, ctx);
  }

  /** The cost card of a meeting the reader may see: their own, or any for an admin. */
  async meetingCard(turn: Turn, ctx: CardContext, which: 'last' | string, caller?: KnownMeetingRows['user'], occurrence?: OccurrenceWindow): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    const userId = turn.caller.userId ?? '-';
    let meeting: MeetingView | undefined;
    if (which === 'last') {
      const own = await this.t.meetings.meetings(tenantId, 1, userId);
      const any = own.length === 0 && ctx.isAdmin ? await this.t.meetings.meetings(tenantId, 1) : own;
      meeting = any[0];
      if (!meeting) {
        return buildBadInputCard({ title: 'No meetings yet', problem: 'I have no dial-in or dial-out legs of a meeting you organized.', usage: 'meetings lists the meetings I know about.' });
      }
    } else {
      meeting = await this.t.meetings.meeting(tenantId, which);
      // Same answer whether it does not exist or is someone else's: no peeking at other organizers' meetings.
      if (!meeting || (!ctx.isAdmin && meeting.organizerId !== userId)) {
        return buildBadInputCard({ command: 'meeting', problem: `I have no meeting ${which} that you organized.`, usage: 'meeting last, or meeting <conferenceId> from the meetings list' });
      }
    }
    // The meeting's row and the caller's as this turn read them: not read again for the card.
    return this.meetingCostCard(tenantId, meeting.conferenceId, ctx, { meeting, user: caller, ...(occurrence ? { occurrence } : {}) });
  }

  /**
   * Also used by the post-meeting card the organizer gets proactively, which has read the meeting's card row and
   * its organizer (user(tenantId, card.organizer_id)) already. What is `known` (read in this turn, for this tenant and
   * this conference) is not read again.
   */
  async meetingCostCard(tenantId: string, conferenceId: string, ctx: CardContext, known: KnownMeetingRows = {}): Promise<AdaptiveCardJson> {
    // One occurrence of a recurring meeting: its legs only, and its times theirs (the rollup row sums the series).
    const occurrence = known.occurrence ?? (known.card?.legs_until ? { after: known.card.legs_after ?? null, until: known.card.legs_until } : undefined);
    // The legs, the meeting's row and the balance after it in one read.
    const [{ legs, meeting: read, balanceAfter }, cards] = await Promise.all([
      known.figures ?? this.t.meetings.costFigures(tenantId, conferenceId, occurrence),
      known.card ? [known.card] : findMeetingCards(this.t.store.db, tenantId, [conferenceId]),
    ]);
    const meeting = known.meeting?.conferenceId === conferenceId ? known.meeting : read;
    const organizerId = meeting?.organizerId ?? cards[0]?.organizer_id;
    const organizer = !organizerId
      ? undefined
      : known.card && organizerId === known.card.organizer_id
        ? known.organizer
        : known.user && organizerId === known.user.id
          ? known.user.row
          : await this.t.directory.user(tenantId, organizerId);
    return buildMeetingCostCard(
      {
        conferenceId,
        title: cards[0]?.title ?? null,
        organizer: organizer ? personOf(organizer) : organizerId ? { displayName: organizerId, upn: null } : null,
        legs,
        meeting: occurrence ? null : (meeting ?? null),
        occurrence: occurrence ?? null,
        balanceAfterMicros: balanceAfter,
        status: meetingCostStatus(legs),
      },
      ctx,
    );
  }

  private async ratesCard(turn: Turn, ctx: CardContext, query: string): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    const tenant = (await findTenant(this.t.store.db, tenantId))!;
    const card = await loadRateCard(this.t.store.db, tenant);
    const lookup = lookUpRates(card, query, turn.now);
    if (!lookup.ok) return buildBadInputCard({ command: 'rates', problem: lookup.message, usage: 'rates <country | ISO code | +E.164 number>, e.g. rates Germany' });
    const me = turn.caller.userId ? await this.t.directory.user(tenantId, turn.caller.userId) : undefined;
    const b = await this.t.ledger.balance(tenantId);
    return buildRatesCard(
      {
        lookup: lookup.value,
        organizer: me ? organizerProfile(me) : undefined,
        globalDialOutPolicy: tenant.global_dial_out_policy as DialOutPolicyName,
        pool: b.ok ? { usedMinutes: b.value.pool.usedMinutes, totalMinutes: b.value.pool.totalMinutes } : null,
      },
      ctx,
    );
  }

  private async policyCard(turn: Turn, ctx: CardContext, ref: UserRef | undefined): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    const tenant = (await findTenant(this.t.store.db, tenantId))!;
    let subject: UserRow | undefined;
    let isSelf = true;
    if (ref) {
      // Another user's licenses and policy are an admin's business.
      if (!ctx.isAdmin) return buildRefusalCard({ command: 'policy @user', admins: await this.adminNames(tenantId) });
      const resolved = await this.resolve(turn, ref);
      if (!resolved.ok) return resolved.card;
      subject = resolved.user;
      isSelf = subject.aad_object_id === turn.caller.userId;
    } else if (turn.caller.userId) {
      subject = await this.t.directory.user(tenantId, turn.caller.userId);
    }
    return buildPolicyCard(
      {
        subject: { ...(subject ? personOf(subject) : { displayName: turn.caller.userName ?? null, upn: null }), isSelf },
        organizer: subject ? organizerProfile(subject) : undefined,
        globalDialOutPolicy: tenant.global_dial_out_policy as DialOutPolicyName,
      },
      ctx,
    );
  }

  // ---- admins -----------------------------------------------------------------------------------------------

  private async reconcileCard(turn: Turn, ctx: CardContext, period: ReconcilePeriod): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    const now = turn.now;
    const month =
      period.kind === 'month' ? period.month : period.kind === 'this_month' ? monthOf(now) : monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)));
    const r = await this.reconciliation.month(tenantId, month, { locale: ctx.locale });
    if (!r.ok) return this.failureCard('reconcile', r.message);
    const conferenceIds = [...new Set([...r.value.meetings, ...r.value.differingLegs].map((x) => x.conferenceId).filter((c): c is string => c !== null))];
    return buildReconcileCard(r.value, ctx, { meetingTitles: await this.titles(tenantId, conferenceIds) });
  }

  private actor(turn: Turn): string {
    return turn.caller.userId ?? 'teams-user';
  }

  private async result(turn: Turn, ctx: CardContext, change: AdminChange): Promise<AdaptiveCardJson> {
    const me = turn.caller.userId ? await this.t.directory.user(turn.caller.tenantId, turn.caller.userId) : undefined;
    return buildAdminResultCard({ change, actor: me ? personOf(me) : { displayName: turn.caller.userName ?? null, upn: null }, at: turn.now }, ctx);
  }

  private async addCredits(turn: Turn, ctx: CardContext, micros: number, memo: string): Promise<AdaptiveCardJson> {
    const before = await this.t.ledger.balance(turn.caller.tenantId);
    const r = await this.t.ledger.fund(turn.caller.tenantId, micros, this.actor(turn), memo);
    if (!r.ok) return this.failureCard('credits add', r.message);
    return this.result(turn, ctx, {
      kind: 'credits_added',
      amountMicros: micros,
      balanceAfterMicros: Number(r.value.balance_after_micros),
      balanceBeforeMicros: before.ok ? before.value.balanceMicros : null,
      memo,
    });
  }

  private async setAutoRecharge(turn: Turn, ctx: CardContext, trigger: number, amount: number): Promise<AdaptiveCardJson> {
    const before = await this.t.ledger.balance(turn.caller.tenantId);
    const r = await this.t.ledger.setAutoRecharge(turn.caller.tenantId, trigger, amount, this.actor(turn));
    if (!r.ok) return this.failureCard('autorecharge on', r.message);
    const was = before.ok && before.value.autoRecharge.enabled ? { triggerMicros: before.value.autoRecharge.triggerMicros!, amountMicros: before.value.autoRecharge.amountMicros! } : null;
    return this.result(turn, ctx, { kind: 'autorecharge_on', triggerMicros: trigger, amountMicros: amount, before: was });
  }

  private async autoRechargeOff(turn: Turn, ctx: CardContext): Promise<AdaptiveCardJson> {
    const before = await this.t.ledger.balance(turn.caller.tenantId);
    const r = await this.t.ledger.disableAutoRecharge(turn.caller.tenantId, this.actor(turn));
    if (!r.ok) return this.failureCard('autorecharge off', r.message);
    const was = before.ok && before.value.autoRecharge.enabled ? { triggerMicros: before.value.autoRecharge.triggerMicros!, amountMicros: before.value.autoRecharge.amountMicros! } : null;
    return this.result(turn, ctx, { kind: 'autorecharge_off', before: was });
  }

  private async setPolicy(turn: Turn, ctx: CardContext, target: 'global' | UserRef, policy: DialOutPolicyName): Promise<AdaptiveCardJson> {
    const tenantId = turn.caller.tenantId;
    if (target === 'global') {
      const before = (await findTenant(this.t.store.db, tenantId))?.global_dial_out_policy as DialOutPolicyName | undefined;
      const r = await this.t.directory.setGlobalPolicy(tenantId, policy, this.actor(turn));
      if (!r.ok) return this.failureCard('policy set', r.message);
      return this.result(turn, ctx, { kind: 'policy_set', target: 'global', policy, before: before ?? null });
    }
    const resolved = await this.resolve(turn, target);
    if (!resolved.ok) return resolved.card;
    const r = await this.t.directory.setUserPolicy(tenantId, resolved.user.aad_object_id, policy, this.actor(turn));
    if (!r.ok) return this.failureCard('policy set', r.message);
    return this.result(turn, ctx, { kind: 'policy_set', target: personOf(resolved.user), policy, before: (resolved.user.dial_out_policy as DialOutPolicyName | null) ?? null });
  }

  private async policyForm(turn: Turn, target: 'global' | UserRef | undefined): Promise<AdaptiveCardJson> {
    let user: UserRow | undefined;
    if (target && target !== 'global') {
      const resolved = await this.resolve(turn, target);
      if (!resolved.ok) return resolved.card;
      user = resolved.user;
    }
    const tenant = (await findTenant(this.t.store.db, turn.caller.tenantId))!;
    return buildPolicyFormCard({
      target: user ? { ...personOf(user), id: user.upn ?? user.aad_object_id } : 'global',
      globalDialOutPolicy: tenant.global_dial_out_policy as DialOutPolicyName,
      userDialOutPolicy: (user?.dial_out_policy as DialOutPolicyName | null | undefined) ?? null,
    });
  }

  private async setLicense(turn: Turn, ctx: CardContext, ref: UserRef, plan: 'subscription' | 'ppm' | 'none', credits: boolean | undefined): Promise<AdaptiveCardJson> {
    const resolved = await this.resolve(turn, ref);
    if (!resolved.ok) return resolved.card;
    const r = await this.t.directory.setLicense(turn.caller.tenantId, resolved.user.aad_object_id, plan, credits, this.actor(turn));
    if (!r.ok) return this.failureCard('license', r.message);
    return this.result(turn, ctx, {
      kind: 'license_set',
      user: personOf(resolved.user),
      plan,
      credits: hasCommunicationsCredits(r.value.after),
      before: { plan: planFor(r.value.before), credits: hasCommunicationsCredits(r.value.before) },
    });
  }

  private async setTollFree(turn: Turn, ctx: CardContext, ref: UserRef, on: boolean): Promise<AdaptiveCardJson> {
    const resolved = await this.resolve(turn, ref);
    if (!resolved.ok) return resolved.card;
    const r = await this.t.directory.setTollFree(turn.caller.tenantId, resolved.user.aad_object_id, on, this.actor(turn));
    if (!r.ok) return this.failureCard('tollfree', r.message);
    return this.result(turn, ctx, { kind: 'tollfree_set', user: personOf(resolved.user), on, before: r.value.before });
  }

  private async setAdmin(turn: Turn, ctx: CardContext, ref: UserRef, add: boolean): Promise<AdaptiveCardJson> {
    const resolved = await this.resolve(turn, ref);
    if (!resolved.ok) return resolved.card;
    const r = await this.t.directory.setAdmin(turn.caller.tenantId, resolved.user.aad_object_id, add, this.actor(turn));
    if (!r.ok) return this.failureCard(add ? 'admins add' : 'admins remove', r.message);
    return this.result(turn, ctx, { kind: add ? 'admin_added' : 'admin_removed', user: personOf(resolved.user) });
  }

  private async setLowBalance(turn: Turn, ctx: CardContext, micros: number): Promise<AdaptiveCardJson> {
    const before = (await findTenant(this.t.store.db, turn.caller.tenantId))?.low_balance_alert_micros ?? null;
    const amount = micros === 0 ? null : micros;
    const r = await this.t.directory.setLowBalanceAlert(turn.caller.tenantId, amount, this.actor(turn));
    if (!r.ok) return this.failureCard('alerts low-balance', r.message);
    return this.result(turn, ctx, { kind: 'low_balance_alert_set', amountMicros: amount, before: before === null ? null : Number(before) });
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  /** A mention resolves through the activity's entities; a UPN or AAD id through the directory. */
  private async resolve(turn: Turn, ref: UserRef): Promise<Resolved> {
    const tenantId = turn.caller.tenantId;
    let key: string | undefined;
    let shown: string;
    if ('mention' in ref) {
      shown = `@${ref.mention}`;
      const wanted = ref.mention.toLowerCase();
      const m =
        turn.mentions.find((x) => x.text === ref.mention || x.name === ref.mention) ??
        turn.mentions.find((x) => x.text?.toLowerCase() === wanted || x.name.toLowerCase() === wanted);
      key = m?.aadObjectId;
    } else {
      shown = ref.text;
      key = ref.text.replace(/^@/, '');
    }
    const user = key ? await this.t.directory.user(tenantId, key) : undefined;
    if (user) return { ok: true, user };
    return {
      ok: false,
      card: buildBadInputCard({
        title: 'Unknown user',
        problem: `I don't know ${shown} in this organization: Tollgate only knows users an admin imported (tollgate users import).`,
        usage: 'Mention the user with @, or give their sign-in name, e.g. license jonas@contoso.com ppm',
      }),
    };
  }

  private async adminNames(tenantId: string): Promise<PersonName[]> {
    const rows = await this.t.store.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('is_admin', '=', 1).limit(5).execute();
    return rows.map(personOf);
  }

  private async titles(tenantId: string, conferenceIds: string[]): Promise<Map<string, string>> {
    const cards = await findMeetingCards(this.t.store.db, tenantId, conferenceIds.filter(Boolean));
    return new Map(cards.filter((c) => c.title).map((c) => [c.conference_id, c.title!]));
  }

  private failureCard(command: string, message: string): AdaptiveCardJson {
    return buildBadInputCard({ command, problem: message });
  }
}

export function personOf(u: UserRow): PersonName {
  return { displayName: u.display_name, upn: u.upn };
}
