import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/**
 * The Agents Playground's chat page as a person uses it: type in the message box, press Send, read the Adaptive
 * Cards the bot answers with, press their buttons. Selectors are the Playground's own (see DESIGN.md).
 */
export const CARD = '.ac-adaptiveCard';
const MESSAGE_BOX = '[data-lexical-editor="true"]';

export class PlaygroundPage {
  constructor(
    readonly page: Page,
    private readonly timeoutMs: number,
  ) {}

  get cards(): Locator {
    return this.page.locator(CARD);
  }

  /** Card number `index` (0 = the first in the conversation); stays valid when a card action redraws it in place. */
  card(index: number): Locator {
    return this.cards.nth(index);
  }

  /** Waits until the conversation holds more than `count` cards, and returns the index of card `count`. */
  async waitForCardNumber(count: number): Promise<number> {
    await this.card(count).waitFor({ state: 'visible', timeout: this.timeoutMs });
    return count;
  }

  /** Sends `text` and returns the index of the card that answers it, once it shows every string in `expected`. */
  async say(text: string, expected: string[]): Promise<number> {
    const before = await this.cards.count();
    const box = this.page.locator(MESSAGE_BOX);
    await box.click();
    await box.fill(text);
    await this.page.getByRole('button', { name: 'Send Message' }).click();
    const index = await this.waitForCardNumber(before);
    await this.expectCardText(index, expected);
    return index;
  }

  /**
   * Waits until card `index` shows every string in `expected` (whitespace-insensitive), then returns its text.
   * Fails naming what is missing and what the card does show.
   */
  async expectCardText(index: number, expected: string[], absent: string[] = []): Promise<string> {
    const deadline = Date.now() + this.timeoutMs;
    let text = '';
    let missing: string[] = expected;
    let present: string[] = [];
    for (;;) {
      text = normalize(await this.card(index).innerText({ timeout: this.timeoutMs }));
      missing = expected.filter((e) => !text.includes(normalize(e)));
      present = absent.filter((a) => text.includes(normalize(a)));
      if ((missing.length === 0 && present.length === 0) || Date.now() > deadline) break;
      await this.page.waitForTimeout(200);
    }
    if (missing.length > 0 || present.length > 0) {
      const problems = [
        missing.length ? `missing ${JSON.stringify(missing)}` : '',
        present.length ? `still showing ${JSON.stringify(present)}` : '',
      ].filter(Boolean);
      throw new Error(`card ${index} is ${problems.join(' and ')} after ${this.timeoutMs / 1000} s. It shows:\n${text}`);
    }
    return text;
  }

  /** Presses a button of card `index`: by its title, inside the part of the card that shows `within` if given. */
  async press(index: number, title: string, within?: string): Promise<void> {
    let scope: Locator = this.card(index);
    if (within) {
      // The innermost container that shows `within` and holds the button: that row's own button.
      scope = scope
        .locator('.ac-container')
        .filter({ hasText: within })
        .filter({ has: this.page.getByRole('button', { name: title, exact: true }) })
        .last();
    }
    await scope.getByRole('button', { name: title, exact: true }).click({ timeout: this.timeoutMs });
  }

  /** The card as it appears in the chat (the bot's message bubble when the page has one), as a PNG. */
  async screenshotCard(index: number, file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const card = this.card(index);
    const bubble = card.locator('xpath=ancestor::div[contains(@class, "fai-OutputCard")][1]');
    const target = (await bubble.count()) === 1 ? bubble : card;
    // An element taller than the window comes out cut and overlaid by the page header: make the window tall enough.
    const viewport = this.page.viewportSize();
    const box = await target.boundingBox();
    const needed = box ? Math.ceil(box.height) + 400 : 0;
    if (viewport && needed > viewport.height) await this.page.setViewportSize({ width: viewport.width, height: needed });
    try {
      await target.screenshot({ path: file, animations: 'disabled', timeout: this.timeoutMs });
    } finally {
      if (viewport && needed > viewport.height) await this.page.setViewportSize(viewport);
    }
  }

  async screenshotPage(file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file, animations: 'disabled', timeout: this.timeoutMs });
  }
}

/** innerText puts line breaks between blocks and Intl may use no-break or narrow spaces: compare on single spaces. */
function normalize(s: string): string {
  return s.replace(/[\s\u00a0\u202f\u2009]+/g, ' ').trim();
}
