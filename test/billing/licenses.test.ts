import {
  hasCommunicationsCredits,
  hasUsCaDialOutAddon,
  isKnownLicense,
  KNOWN_LICENSES,
  planFor,
  US_CA_DIALOUT_ADDON,
  type AudioConferencingPlan,
} from '../../src/billing/licenses';

describe('planFor: the organizer\'s Audio Conferencing plan', () => {
  it.each<[string[], AudioConferencingPlan]>([
    [['MCOMEETADV'], 'subscription'],
    [['SPE_E5'], 'subscription'],
    [['ENTERPRISEPREMIUM'], 'subscription'],
    [['MCOMEETADV', 'MCOPSTNPP'], 'subscription'],
    [['MCOMEETACPEA'], 'ppm'],
    [['MCOMEETACPEA', 'MCOPSTNPP'], 'ppm'],
    [['MCOMEETADV', 'MCOMEETACPEA'], 'subscription'], // both: the subscription wins (documented decision)
    [['MCOMEETACPEA', 'SPE_E5'], 'subscription'],
    [['SPE_E5_NOPSTNCONF'], 'none'],
    [['ENTERPRISEPREMIUM_NOPSTNCONF'], 'none'],
    [['SPE_E5_NOPSTNCONF', 'MCOMEETACPEA'], 'ppm'],
    [['SPE_E5_NOPSTNCONF', 'MCOMEETADV'], 'subscription'],
    [['MCOPSTNPP'], 'none'], // credits alone are not Audio Conferencing
    [[US_CA_DIALOUT_ADDON], 'none'],
    [['ENTERPRISEPACK', 'TEAMS1'], 'none'],
    [[], 'none'],
    [['mcomeetadv'], 'subscription'], // case-insensitive
    [[' MCOMEETACPEA '], 'ppm'],
  ])('%j -> %s', (licenses, plan) => {
    expect(planFor(licenses)).toBe(plan);
  });
});

describe('license checks', () => {
  it('hasCommunicationsCredits is MCOPSTNPP', () => {
    expect(hasCommunicationsCredits(['MCOMEETADV', 'MCOPSTNPP'])).toBe(true);
    expect(hasCommunicationsCredits(['mcopstnpp'])).toBe(true);
    expect(hasCommunicationsCredits(['MCOMEETADV'])).toBe(false);
    expect(hasCommunicationsCredits(['MCOPSTN1'])).toBe(false);
  });

  it('hasUsCaDialOutAddon is Tollgate\'s add-on SKU', () => {
    expect(US_CA_DIALOUT_ADDON).toBe('MCOEXTDIALOUT_USCA');
    expect(hasUsCaDialOutAddon(['MCOMEETADV', US_CA_DIALOUT_ADDON])).toBe(true);
    expect(hasUsCaDialOutAddon(['MCOMEETADV'])).toBe(false);
  });

  // The answers are remembered per array (rating asks them for every leg): a changed array is answered anew.
  it('answers for the array as it is now, also after it changed', () => {
    const licenses = ['MCOMEETADV'];
    expect(planFor(licenses)).toBe('subscription');
    expect(hasCommunicationsCredits(licenses)).toBe(false);
    licenses.push(' mcopstnpp ');
    expect(hasCommunicationsCredits(licenses)).toBe(true);
    licenses[0] = 'MCOMEETACPEA';
    expect(planFor(licenses)).toBe('ppm');
    licenses.length = 1;
    expect(hasCommunicationsCredits(licenses)).toBe(false);
    expect(planFor(['MCOMEETACPEA'])).toBe('ppm');
  });

  it('KNOWN_LICENSES covers every SKU the engine gives meaning to', () => {
    for (const sku of ['MCOMEETADV', 'MCOMEETACPEA', 'MCOPSTNPP', 'SPE_E5', 'ENTERPRISEPREMIUM', 'SPE_E5_NOPSTNCONF', 'ENTERPRISEPREMIUM_NOPSTNCONF', US_CA_DIALOUT_ADDON]) {
      expect(KNOWN_LICENSES).toContain(sku);
      expect(isKnownLicense(sku.toLowerCase())).toBe(true);
    }
    expect(isKnownLicense('ENTERPRISEPACK')).toBe(false);
  });
});
