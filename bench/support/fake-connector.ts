import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Teams' Bot Framework connector (the activity's serviceUrl), as the benchmarks need it:
 * accepts what a bot sends (POST /v3/conversations/:id/activities, replies to /activities/:replyToId, updates with
 * PUT .../activities/:activityId) and answers like the connector ({ id }); answers Teams' meeting details
 * (GET /v1/meetings/:id) from a table the benchmark fills. Every activity received is timed on arrival
 * (performance.now() of this process, the same clock the load generator stamps its requests with).
 */
export interface ReceivedActivity {
  at: number;
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The activity replied to (POST .../activities/:id) or updated (PUT). */
  activityId?: string;
  activity: { type?: string; text?: string; attachments?: { content?: unknown }[]; [k: string]: unknown };
  /** The raw body, for searching a card's text without parsing it again. */
  body: string;
}

export interface MeetingInfo {
  organizerAadObjectId: string;
  title: string;
  joinUrl: string;
}

export interface FakeConnector {
  serviceUrl: string;
  meetings: Map<string, MeetingInfo>;
  /** Called for every activity received, after it was answered. */
  onActivity: ((a: ReceivedActivity) => void) | undefined;
  received: number;
  close(): Promise<void>;
}

const ACTIVITIES = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const MEETING = /^\/v1\/meetings\/([^/?]+)/;

export async function startFakeConnector(): Promise<FakeConnector> {
  let nextId = 1;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const url = (req.url ?? '/').split('?')[0]!;
      const json = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const meeting = req.method === 'GET' ? MEETING.exec(url) : null;
      if (meeting) {
        const info = fake.meetings.get(decodeURIComponent(meeting[1]!));
        if (!info) return json(404, { error: { code: 'NotFound', message: 'no such meeting' } });
        return json(200, {
          details: { id: meeting[1], joinUrl: info.joinUrl, title: info.title, type: 'Scheduled', msGraphResourceId: `graph-${meeting[1]}` },
          conversation: { id: `19:meeting_${meeting[1]}@thread.v2`, isGroup: true, conversationType: 'groupChat' },
          organizer: { id: `29:${info.organizerAadObjectId}`, aadObjectId: info.organizerAadObjectId, tenantId: '', userRole: 'Organizer' },
        });
      }
      const m = ACTIVITIES.exec(url);
      if (!m || (req.method !== 'POST' && req.method !== 'PUT')) return json(404, { error: { code: 'NotFound', message: `${req.method} ${url}` } });
      const body = Buffer.concat(chunks).toString('utf8');
      let activity: ReceivedActivity['activity'] = {};
      try {
        activity = JSON.parse(body);
      } catch {
        return json(400, { error: { code: 'BadArgument', message: 'not JSON' } });
      }
      const id = req.method === 'PUT' ? m[2]! : `bench-activity-${nextId++}`;
      json(200, { id });
      fake.received += 1;
      fake.onActivity?.({
        at,
        method: req.method as 'POST' | 'PUT',
        conversationId: decodeURIComponent(m[1]!),
        activityId: m[2] ? decodeURIComponent(m[2]) : undefined,
        activity,
        body,
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeConnector = {
    serviceUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    meetings: new Map(),
    onActivity: undefined,
    received: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}
