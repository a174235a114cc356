import type { Page } from 'playwright-core';

/**
 * Accessibility checks run in the page: WCAG contrast of visible text against its effective
 * background, and form controls without a label. The page-side code is a string (the project's
 * Node tsconfig has no DOM types).
 */
const CONTRAST = `(min) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r = 0, g = 0, b = 0]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c[3] || 0) > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const problems = [];
  for (const node of document.querySelectorAll('body *')) {
    const own = Array.from(node.childNodes).some((c) => c.nodeType === Node.TEXT_NODE && (c.textContent || '').trim() !== '');
    if (!own || !node.offsetParent) continue;
    const fg = luminance(rgb(getComputedStyle(node).color));
    const bg = luminance(background(node));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < min) problems.push(node.tagName.toLowerCase() + '#' + node.id + ' "' + (node.textContent || '').trim().slice(0, 30) + '": ' + ratio.toFixed(2));
  }
  return problems;
}`;

export function contrastProblems(page: Page, minimum = 4.5): Promise<string[]> {
  return page.evaluate<string[]>(`(${CONTRAST})(${minimum})`);
}

export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`Array.from(document.querySelectorAll('input, select, textarea'))
    .filter((c) => c.offsetParent !== null && (c.labels ? c.labels.length : 0) === 0 && !c.getAttribute('aria-label'))
    .map((c) => c.id || c.name)`);
}

/** The ids focus visits from `startId` on, pressing Tab `count` times. */
export async function tabOrder(page: Page, startId: string, count: number): Promise<string[]> {
  await page.locator(`#${startId}`).focus();
  const ids: string[] = [startId];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    ids.push(await page.evaluate<string>(`document.activeElement ? (document.activeElement.id || document.activeElement.tagName.toLowerCase()) : ''`));
  }
  return ids;
}
