import os from 'node:os';

/** The Teams activities the bot benchmarks send, and the figures they report. */

export interface Person {
  aadObjectId: string;
  name: string;
}

const BOT = { id: '28:tollgate-bench-bot', name: 'Tollgate' };

/** A message in the person's personal chat, as Teams sends it to the bot. */
export function messageActivity(o: { id: string; text: string; from: Person; conversationId: string; tenantId: string; serviceUrl: string }): Record<string, unknown> {
  return {
    type: 'message',
    id: o.id,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    from: { id: `29:${o.from.aadObjectId}`, name: o.from.name, aadObjectId: o.from.aadObjectId },
    recipient: BOT,
    conversation: { id: o.conversationId, tenantId: o.tenantId, conversationType: 'personal', isGroup: false },
    channelData: { tenant: { id: o.tenantId } },
    locale: 'en-US',
    text: o.text,
  };
}

/** A scheduled meeting's start or end, as Teams sends it: TitleCase keys in value, the meeting id in channelData. */
export function meetingActivity(o: { kind: 'start' | 'end'; id: string; meetingId: string; title: string; joinUrl: string; organizer: Person; tenantId: string; serviceUrl: string }): Record<string, unknown> {
  const at = new Date().toISOString();
  return {
    type: 'event',
    name: o.kind === 'start' ? 'application/vnd.microsoft.meetingStart' : 'application/vnd.microsoft.meetingEnd',
    id: o.id,
    timestamp: at,
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    from: { id: `29:${o.organizer.aadObjectId}`, name: o.organizer.name, aadObjectId: o.organizer.aadObjectId },
    recipient: BOT,
    conversation: { id: `19:meeting_${o.meetingId}@thread.v2`, tenantId: o.tenantId, conversationType: 'groupChat', isGroup: true },
    channelData: { tenant: { id: o.tenantId }, meeting: { id: o.meetingId } },
    value: { Id: o.meetingId, MeetingType: 'Scheduled', Title: o.title, JoinUrl: o.joinUrl, ...(o.kind === 'start' ? { StartTime: at } : { EndTime: at }) },
  };
}

/** Nearest-rank percentile of milliseconds, rounded to 0.1 ms; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return Math.round(sorted[rank - 1]! * 10) / 10;
}

export interface LatencyFigures {
  count: number;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
}

export function latencyFigures(values: readonly number[]): LatencyFigures {
  return { count: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: percentile(values, 100) };
}

export function loadAverage1m(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
