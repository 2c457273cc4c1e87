import { meetingCostFigures, type MeetingCostRows, type OccurrenceWindow } from '../store/bot-store';
import type { Store } from '../store/database';
import { findMeeting, listLegs, listMeetings, type LegRow, type MeetingRow } from '../store/leg-store';

export interface LegView {
  id: string;
  callId: string | null;
  callType: string;
  status: string;
  conferenceId: string | null;
  organizerId: string | null;
  number: string | null;
  tollFree: boolean;
  destinationCountry: string | null;
  startDateTime: string;
  durationSeconds: number;
  paidBy: string | null;
  billedMinutes: number;
  poolMinutes: number;
  chargeMicros: number;
  flags: string[];
  microsoftChargeMicros: number | null;
}

export interface MeetingView {
  conferenceId: string;
  organizerId: string | null;
  legs: number;
  billedMinutes: number;
  poolMinutes: number;
  chargeMicros: number;
  paidBy: { subscription: number; pool: number; credits: number; addon: number };
  flaggedLegs: number;
  firstStart: string;
  lastEnd: string | null;
}

/** Read side of intake: legs and per-meeting rollups, for the CLI, the API and the bot's cards. */
export class MeetingQueries {
  constructor(private readonly store: Store) {}

  async legs(tenantId: string, filter: { conferenceId?: string; from?: string; to?: string; limit?: number } = {}): Promise<LegView[]> {
    return (await listLegs(this.store.db, tenantId, filter)).map(legView);
  }

  /** The latest meetings, or only those one organizer organized. */
  async meetings(tenantId: string, limit = 100, organizerId?: string): Promise<MeetingView[]> {
    return (await listMeetings(this.store.db, tenantId, limit, organizerId)).map(meetingView);
  }

  async meeting(tenantId: string, conferenceId: string): Promise<MeetingView | undefined> {
    const row = await findMeeting(this.store.db, tenantId, conferenceId);
    return row ? meetingView(row) : undefined;
  }

  /**
   * A meeting's legs in start order, its rollup row and the balance right after the last charge of its legs was
   * posted (null when nothing was charged), in one read (meetingCostFigures).
   */
  /** `occurrence`: only that occurrence's legs of a recurring meeting (then without the series' rollup row). */
  async costFigures(tenantId: string, conferenceId: string, occurrence?: OccurrenceWindow): Promise<MeetingCostFigures> {
    return costFiguresView(await meetingCostFigures(this.store.db, tenantId, conferenceId, occurrence));
  }
}

/** What a meeting's cost card shows of it: its legs in start order, its rollup row, the balance after its last charge. */
export interface MeetingCostFigures {
  legs: LegView[];
  meeting: MeetingView | undefined;
  balanceAfter: number | null;
}

/** The views of meetingCostFigures' rows. */
export function costFiguresView(rows: MeetingCostRows): MeetingCostFigures {
  return { legs: rows.legs.map(legView), meeting: rows.meeting ? meetingView(rows.meeting) : undefined, balanceAfter: rows.balanceAfter };
}

export function legView(r: LegRow): LegView {
  return {
    id: r.id,
    callId: r.call_id,
    callType: r.call_type,
    status: r.status,
    conferenceId: r.conference_id,
    organizerId: r.organizer_id,
    number: r.callee_number,
    tollFree: r.toll_free === 1,
    destinationCountry: r.destination_country,
    startDateTime: r.start_at,
    durationSeconds: Number(r.duration_seconds),
    paidBy: r.paid_by,
    billedMinutes: Number(r.billed_seconds) / 60,
    poolMinutes: Number(r.pool_seconds) / 60,
    chargeMicros: Number(r.charge_micros),
    flags: r.flags ? r.flags.split(',') : [],
    microsoftChargeMicros: r.ms_charge_micros === null ? null : Number(r.ms_charge_micros),
  };
}

function meetingView(m: MeetingRow): MeetingView {
  return {
    conferenceId: m.conference_id,
    organizerId: m.organizer_id,
    legs: Number(m.legs),
    billedMinutes: Number(m.billed_seconds) / 60,
    poolMinutes: Number(m.pool_seconds) / 60,
    chargeMicros: Number(m.charge_micros),
    paidBy: {
      subscription: Number(m.subscription_legs),
      pool: Number(m.pool_legs),
      credits: Number(m.credits_legs),
      addon: Number(m.addon_legs),
    },
    flaggedLegs: Number(m.flagged_legs),
    firstStart: m.first_start_at,
    lastEnd: m.last_end_at,
  };
}
