import type { SyncSummary } from './pstn-calls-sync';

/** Why a Graph sync stopped before its range was done (an outage, not a domain outcome: it resumes next time). */
export type GraphSyncErrorReason =
  | 'graph_token_failed'
  | 'graph_forbidden'
  | 'graph_refused'
  | 'graph_unavailable'
  | 'graph_bad_response'
  | 'graph_sync_lease_lost';

export class GraphSyncError extends Error {
  /** What the sync had done before it stopped (set by the sync). */
  partial?: SyncSummary;

  constructor(
    readonly reason: GraphSyncErrorReason,
    message: string,
    /** The HTTP status Graph answered, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GraphSyncError';
  }
}
