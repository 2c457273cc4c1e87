import { isReason, REASONS, reasonMessage, refusal, type Reason } from '../../src/billing/reasons';

const CONTRACT_REASONS: Reason[] = [
  'dialout_blocked_by_policy',
  'dialout_domestic_only',
  'dialout_zone_a_only',
  'tollfree_disabled_for_organizer',
  'no_audio_conferencing_license',
  'no_communications_credits_license',
  'insufficient_credits',
  'country_not_supported',
  'invalid_number',
  'invalid_amount',
  'unknown_organizer',
  'unsupported_call_type',
  'rate_not_found',
  'credits_not_purchasable_in_country',
];

describe('the reason catalog', () => {
  it('holds every reason the contract promised', () => {
    for (const r of CONTRACT_REASONS) expect(REASONS).toHaveProperty(r);
  });

  it.each(Object.keys(REASONS) as Reason[])('%s has a message that says what to do', (r) => {
    const message = reasonMessage(r);
    expect(message).toBe(REASONS[r].message);
    expect(message.length).toBeGreaterThan(40);
    expect(message.trim()).toBe(message);
    expect(message).toMatch(/[.)]$/);
    // Tells the reader what to do next: an instruction, not just a diagnosis.
    expect(message).toMatch(/\b(Ask|Enter|Dial|Join|Add|Load|Leave|Use|Fix)\b/);
  });

  it('isReason tells catalog keys from other text', () => {
    expect(isReason('invalid_number')).toBe(true);
    expect(isReason('toString')).toBe(false);
    expect(isReason('nope')).toBe(false);
  });

  it('refusal() builds the data shape with the catalog message or a specific one', () => {
    expect(refusal('insufficient_credits')).toEqual({ ok: false, reason: 'insufficient_credits', message: REASONS.insufficient_credits.message });
    expect(refusal('invalid_amount', 'The amount is empty.')).toEqual({ ok: false, reason: 'invalid_amount', message: 'The amount is empty.' });
  });
});
