import { buildBadInputCard } from '../../../src/bot/cards/bad-input-card';
import { buildOnboardingCard } from '../../../src/bot/cards/onboarding-card';
import { buildRefusalCard } from '../../../src/bot/cards/refusal-card';
import { cardText } from './card-check';
import { expectValidCard } from './expect-valid-card';

describe('bad input card', () => {
  it('what was wrong, the right form and a hint to type help (parseCommand "invalid" fits as it is)', () => {
    const invalid = {
      kind: 'invalid' as const,
      command: 'credits add',
      problem: '"12,50" contains a comma; use a dot as the decimal separator and no thousands separators.',
      usage: 'credits add <amount>, e.g. credits add 200',
    };
    const card = buildBadInputCard(invalid);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('"credits add" needs a small fix');
    expect(text).toContain('"12,50" contains a comma');
    expect(text).toContain('Type it like this\ncredits add <amount>, e.g. credits add 200');
    expect(text).toContain('Type **help** to see everything Tollgate can do.');
  });

  it('text that matched no command: no usage box', () => {
    const card = buildBadInputCard({ problem: 'I don\'t know "blance". Did you mean balance?' });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain("I didn't catch that");
    expect(text).not.toContain('Type it like this');
  });

  it('user text that looks like Markdown or a binding stays plain text', () => {
    const card = buildBadInputCard({ command: 'rates', problem: '"[click](https://evil.example) ${x} **bold**" is not a country or a phone number I know.', usage: 'rates <country>' });
    expectValidCard(card);
    // Shown in a TextRun, which Teams never renders as Markdown.
    const runs = JSON.stringify(card.body[1]);
    expect(runs).toContain('"type":"TextRun"');
    expect(runs).toContain('[click](https://evil.example)');
  });
});

describe('refusal card', () => {
  it('clear, polite, nothing changed, whom to ask', () => {
    const card = buildRefusalCard({ command: 'credits add', admins: [{ displayName: 'Priya Singh' }, { upn: 'ana.costa@contoso.com' }] });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('This needs a Tollgate admin');
    expect(text).toContain('Only Tollgate admins can use "credits add", and you are not one.');
    expect(text).toContain('Nothing was changed.');
    expect(text).toContain('ask one of your Tollgate admins: Priya Singh or ana.costa@contoso.com.');
  });

  it('one admin, many admins, no admins known', () => {
    expect(cardText(buildRefusalCard({ command: 'policy set', admins: [{ displayName: 'Priya Singh' }] }))).toContain('ask your Tollgate admin: Priya Singh.');
    const many = Array.from({ length: 8 }, (_, i) => ({ displayName: `Admin ${i + 1}` }));
    expect(cardText(buildRefusalCard({ command: 'policy set', admins: many }))).toContain('Admin 1, Admin 2, Admin 3, Admin 4 or Admin 5 (or one of 3 more).');
    const none = buildRefusalCard({ command: 'license' });
    expectValidCard(none);
    expect(cardText(none)).toContain('Your Teams or IT admin can tell you who they are.');
  });
});

describe('onboarding card', () => {
  it('what Tollgate is and how an admin sets it up, for this tenant, without an error tone', () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const card = buildOnboardingCard({ tenantId: tenant });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Welcome to Tollgate');
    expect(text).toContain(`tollgate tenant init ${tenant} --country US --currency USD --pool-licenses 100`);
    expect(text).toContain(`tollgate users import users.csv --tenant ${tenant}`);
    expect(text).toContain(`tollgate rates load rates.csv --tenant ${tenant}`);
    expect(text).toContain(`tollgate credits add 500 --tenant ${tenant}`);
    expect(text).toContain(`tollgate admins add you@contoso.com --tenant ${tenant}`);
    expect(text).not.toMatch(/error|fail|invalid|denied/i);
    expect(cardText(buildOnboardingCard({ tenantId: tenant, adminUpn: 'priya.singh@contoso.com' }))).toContain('tollgate admins add priya.singh@contoso.com');
  });
});
