import { SETTING_USAGE } from '../fraud/fraud-settings';
import type { DecisionResult } from '../fraud/fraud-admin';
import { blockTargetWords } from '../fraud/incident-words';
import { findMeetingCards } from '../store/bot-store';
import type { Tollgate } from '../tollgate';
import { buildBadInputCard } from './cards/bad-input-card';
import type { CardContext } from './cards/card-context';
import { personLabel } from './cards/card-format';
import type { AdaptiveCardJson } from './cards/expand-card';
import { buildFraudIncidentCard } from './cards/fraud-incident-card';
import { buildFraudIncidentsCard } from './cards/fraud-incidents-card';
import { buildFraudSettingsCard } from './cards/fraud-settings-card';
import type { Command } from './commands/parse-command';
import type { FraudRequest } from './commands/parse-fraud-command';

/**
 * The toll-fraud guard in Teams: `incidents`, `fraud …` and the incident card's buttons. Admins only (BotCommands
 * checks before anything here runs); the tenant and the acting admin come from the activity, and a card's data
 * names only the incident.
 */
export class FraudCommands {
  constructor(private readonly t: Tollgate) {}

  async handle(command: Extract<Command, { kind: 'incidents' | 'fraud' }>, tenantId: string, ctx: CardContext, actor: string): Promise<AdaptiveCardJson> {
    if (command.kind === 'incidents') return this.incidentsCard(tenantId, ctx);
    return this.request(command.request, tenantId, ctx, actor);
  }

  /** The incident's card: the admin notice renderer, the Details and Refresh buttons, and after every decision. */
  async incidentCard(tenantId: string, incidentId: string, ctx: CardContext, notice?: string): Promise<AdaptiveCardJson> {
    const r = await this.t.fraud.incident(tenantId, incidentId);
    if (!r.ok) return buildBadInputCard({ title: 'No such incident', problem: r.message, usage: 'incidents lists the open ones.' });
    const ids = r.value.meetings.map((m) => m.conferenceId).filter((c): c is string => c !== null);
    const cards = ids.length > 0 ? await findMeetingCards(this.t.store.db, tenantId, ids) : [];
    const meetingTitles = new Map(cards.filter((c) => c.title).map((c) => [c.conference_id, c.title!]));
    return buildFraudIncidentCard({ incident: r.value, meetingTitles, notice }, ctx);
  }

  private async incidentsCard(tenantId: string, ctx: CardContext): Promise<AdaptiveCardJson> {
    const [list, settings] = await Promise.all([this.t.fraud.incidents(tenantId), this.t.fraud.settings(tenantId)]);
    if (!list.ok) return buildBadInputCard({ command: 'incidents', problem: list.message });
    return buildFraudIncidentsCard({ incidents: list.value, blocking: settings.ok && settings.value.settings.blocking }, ctx);
  }

  private async settingsCard(tenantId: string, ctx: CardContext, notice?: string): Promise<AdaptiveCardJson> {
    const s = await this.t.fraud.settings(tenantId);
    if (!s.ok) return buildBadInputCard({ command: 'fraud settings', problem: s.message });
    return buildFraudSettingsCard({ settings: s.value.settings, blockList: s.value.blockList, country: s.value.country, notice }, ctx);
  }

  private async request(req: FraudRequest, tenantId: string, ctx: CardContext, actor: string): Promise<AdaptiveCardJson> {
    const fraud = this.t.fraud;
    switch (req.kind) {
      case 'settings':
        return this.settingsCard(tenantId, ctx);
      case 'blocking': {
        const r = await fraud.setBlocking(tenantId, req.on, actor);
        if (!r.ok) return buildBadInputCard({ command: 'fraud blocking', problem: r.message });
        const notice = req.on
          ? r.value.before ? 'Blocking was already on.' : 'Blocking is now on: dial-outs that look like toll fraud are refused.'
          : !r.value.before ? 'Blocking was already off.' : 'Blocking is now off: dial-outs that look like toll fraud are allowed and flagged.';
        return this.settingsCard(tenantId, ctx, notice);
      }
      case 'set': {
        const r = await fraud.changeSetting(tenantId, req.setting, req.args, actor);
        if (!r.ok) return buildBadInputCard({ command: 'fraud set', problem: r.message, usage: SETTING_USAGE });
        return this.settingsCard(tenantId, ctx, `${r.value.name}: ${r.value.before} → ${r.value.after}`);
      }
      case 'block': {
        const r = await fraud.block(tenantId, req.target, actor);
        if (!r.ok) return buildBadInputCard({ command: 'fraud block', problem: r.message });
        return this.settingsCard(tenantId, ctx, r.value.added ? `Blocked ${blockTargetWords(r.value.target, ctx.locale)}.` : `${r.value.target} was already on the block list.`);
      }
      case 'unblock': {
        const r = await fraud.unblock(tenantId, req.target, actor);
        if (!r.ok) return buildBadInputCard({ command: 'fraud unblock', problem: r.message });
        return this.settingsCard(tenantId, ctx, `Unblocked ${blockTargetWords(r.value.target, ctx.locale)}.`);
      }
      case 'incident':
        return this.incidentCard(tenantId, req.incidentId, ctx);
      case 'decide': {
        const r = await fraud.decide(tenantId, req.incidentId, req.decision, actor);
        if (!r.ok) {
          // Nothing changed: say why on the card the admin is looking at.
          return r.reason === 'unknown_incident'
            ? buildBadInputCard({ title: 'No such incident', problem: r.message, usage: 'incidents lists the open ones.' })
            : this.incidentCard(tenantId, req.incidentId, ctx, `Nothing changed: ${r.message}`);
        }
        return this.incidentCard(tenantId, req.incidentId, ctx, decisionNotice(r.value, ctx.locale));
      }
    }
  }
}

function decisionNotice(r: DecisionResult, locale: string): string {
  const who = personLabel({ displayName: r.incident.organizerName, upn: r.incident.organizerUpn, id: r.incident.organizerId });
  if (r.policy) {
    return r.policy.before === r.policy.after
      ? `${who}'s dial-out policy (${r.policy.before}) already allowed no more than domestic meeting dial-out: nothing to change.`
      : `Restricted: ${who}'s dial-out policy is now ${r.policy.after} (was ${r.policy.before}${r.policy.own ? '' : ', the global policy'}).`;
  }
  if (r.blocked) {
    return r.blocked.added ? `Blocked ${blockTargetWords(r.blocked.target, locale)}: Tollgate refuses dial-outs to it.` : `${r.blocked.target} was already on the block list.`;
  }
  return 'Dismissed: these calls are marked as not fraud and stay quiet.';
}
