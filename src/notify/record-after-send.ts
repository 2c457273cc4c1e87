import { storageFailureOf } from '../store/storage-failure';

/**
 * Runs `record` (the database write that follows a send the connector accepted, e.g. the posted activity's id),
 * retrying through a short database outage until `deadline` (Date.now() milliseconds). Without the record a retry
 * of the row could not tell the card was posted and would post it again; with it, it updates the card in place.
 * Other errors, and an outage that outlasts the deadline, are thrown.
 */
export async function recordAfterSend<T>(deadline: number, record: () => Promise<T>): Promise<T> {
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await record();
    } catch (err) {
      if (storageFailureOf(err)?.kind !== 'unavailable' || Date.now() + wait >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
