import { cardExpander } from '../../../src/bot/cards/expand-card';

describe('cardExpander', () => {
  const expand = cardExpander<{ title: string; rows: { n: string }[] }>('test card', {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text: '${title}' }, { $data: '${rows}', type: 'TextBlock', text: 'row ${n}' }],
  });

  it('fills the template and leaves it reusable', () => {
    expect(expand({ title: 'A', rows: [{ n: '1' }, { n: '2' }] }).body).toEqual([
      { type: 'TextBlock', text: 'A' },
      { type: 'TextBlock', text: 'row 1' },
      { type: 'TextBlock', text: 'row 2' },
    ]);
    expect(expand({ title: 'B', rows: [] }).body).toEqual([{ type: 'TextBlock', text: 'B' }]);
  });

  it('data that looks like a binding is shown, not taken for one', () => {
    const card = expand({ title: 'Budget ${Q3}', rows: [{ n: '${$root.title}' }] });
    expect(JSON.stringify(card)).not.toContain('${');
    expect(card.body[0]).toEqual({ type: 'TextBlock', text: 'Budget $\u200B{Q3}' });
  });

  it('throws, naming the card and the binding, when the view model misses a field', () => {
    expect(() => expand({ title: 'A' } as never)).toThrow(/^test card: unresolved template bindings \$\{n\}/);
  });
});
