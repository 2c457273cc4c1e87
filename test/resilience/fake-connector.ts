import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Bot Framework connector (Teams' serviceUrl) and for the one Graph call the meeting-end
 * event makes, over plain HTTP on 127.0.0.1:
 * - POST /v3/conversations/:id/activities[/:replyToId]: a new activity (replies and proactive cards), 201 { id }
 * - PUT  /v3/conversations/:id/activities/:activityId: an update in place, 200 { id }
 * - GET  /v1/meetings/:meetingId: Teams' meeting info (organizer, join URL, title) from `meetings`
 * - GET  /v1.0/users/:userId/onlineMeetings?$filter=JoinWebUrl eq '…': Graph's online meeting (conference id)
 * It records every activity it accepted, in order; a test scripts faults per request (an answer, a hang that never
 * answers, or a hold the test releases later). An activity counts as received only when the fake answers it with
 * success: a request that hangs, or whose client goes away before the answer, is not recorded, as a connector that
 * never got to act on it.
 */
export interface ConnectorRequest {
  method: string;
  path: string;
  conversationId: string;
  /** The activity's body (JSON text) for POST and PUT. */
  body: string;
  /** Requests of this method received so far, this one included. */
  n: number;
  /** The client's TCP port (to tell which process sent it). */
  remotePort: number;
  /** Set by `fault` to label the request; kept on the activity when it is accepted. */
  tag?: string;
}

export type ConnectorFault = { status: number; headers?: Record<string, string> } | 'hang' | 'hold' | undefined;

export interface ReceivedActivity {
  id: string;
  conversationId: string;
  replyToId?: string;
  activity: Record<string, unknown>;
  /** The card's text, flattened (TextBlock and TextRun texts), for matching. */
  text: string;
  tag?: string;
}

export interface MeetingInfo {
  organizerId: string;
  title: string;
  joinUrl: string;
  conferenceId: string;
}

export interface FakeConnector {
  url: string;
  posts: ReceivedActivity[];
  puts: ReceivedActivity[];
  /** Every POST/PUT that arrived, answered or not. */
  arrivals: ConnectorRequest[];
  meetings: Map<string, MeetingInfo>;
  fault?: (request: ConnectorRequest) => ConnectorFault;
  /** Requests on hold, oldest first: answer them (as accepted), or let their client's death drop them. */
  held: { request: ConnectorRequest; release(): void; closed(): boolean }[];
  /** Called when a request is put on hold. */
  onHold?: (request: ConnectorRequest) => void;
  close(): Promise<void>;
}

export function cardTextOf(activity: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if ((k === 'text' || k === 'title') && typeof v === 'string') parts.push(v);
        else walk(v);
      }
    }
  };
  walk(activity.attachments);
  if (typeof activity.text === 'string') parts.push(activity.text);
  return parts.join('\n');
}

export async function startFakeConnector(): Promise<FakeConnector> {
  let nextId = 1;
  const counts = new Map<string, number>();
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', fake.url);
      const path = decodeURIComponent(url.pathname);
      const method = req.method ?? 'GET';

      const meeting = path.match(/^\/v1\/meetings\/(.+)$/);
      if (method === 'GET' && meeting) {
        const m = fake.meetings.get(meeting[1]!);
        if (!m) return send(res, 404, { error: { code: 'NotFound', message: 'no such meeting' } });
        return send(res, 200, {
          details: { id: meeting[1], joinUrl: m.joinUrl, title: m.title, type: 'Scheduled' },
          conversation: { id: `19:meeting_${meeting[1]}@thread.v2`, isGroup: true },
          organizer: { id: `29:${m.organizerId}`, aadObjectId: m.organizerId },
        });
      }
      const online = path.match(/^\/v1\.0\/users\/([^/]+)\/onlineMeetings$/);
      if (method === 'GET' && online) {
        const joinUrl = (url.searchParams.get('$filter') ?? '').match(/JoinWebUrl eq '(.*)'$/)?.[1]?.replace(/''/g, "'");
        const m = [...fake.meetings.values()].find((x) => x.joinUrl === joinUrl && x.organizerId === online[1]);
        return send(res, 200, {
          value: m ? [{ subject: m.title, audioConferencing: { conferenceId: m.conferenceId }, participants: { organizer: { identity: { user: { id: m.organizerId } } } } }] : [],
        });
      }

      const activity = path.match(/^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/);
      if (!activity || (method !== 'POST' && method !== 'PUT') || (method === 'PUT' && !activity[2])) {
        return send(res, 404, { error: { code: 'NotFound', message: `no route ${method} ${path}` } });
      }
      const n = (counts.get(method) ?? 0) + 1;
      counts.set(method, n);
      const request: ConnectorRequest = { method, path, conversationId: activity[1]!, body, n, remotePort: req.socket.remotePort ?? 0 };
      fake.arrivals.push(request);
      let clientGone = false;
      res.on('close', () => (clientGone = !res.writableFinished));
      const accept = () => {
        if (clientGone || res.destroyed) return;
        const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
        if (method === 'POST') {
          const id = `act-${nextId++}`;
          fake.posts.push({ id, conversationId: request.conversationId, replyToId: activity[2], activity: parsed, text: cardTextOf(parsed), tag: request.tag });
          send(res, 201, { id });
        } else {
          fake.puts.push({ id: activity[2]!, conversationId: request.conversationId, activity: parsed, text: cardTextOf(parsed), tag: request.tag });
          send(res, 200, { id: activity[2] });
        }
      };
      const fault = fake.fault?.(request);
      if (fault === 'hang') return;
      if (fault === 'hold') {
        fake.held.push({ request, release: accept, closed: () => clientGone || res.destroyed });
        fake.onHold?.(request);
        return;
      }
      if (fault) return send(res, fault.status, { error: { code: 'Fault', message: `fake connector answered ${fault.status}` } }, fault.headers);
      accept();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const fake: FakeConnector = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts: [],
    puts: [],
    arrivals: [],
    meetings: new Map(),
    held: [],
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}
