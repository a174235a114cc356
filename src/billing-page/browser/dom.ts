/** Small DOM helpers shared by the page's modules. */

export const el = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

/** Sets text only when it changes, so a live region is not re-announced on every refresh. */
export const setText = (node: HTMLElement, text: string): void => {
  if (node.textContent !== text) node.textContent = text;
};

/** What the page's script is told by the server (PageSettings in page-html.ts). */
export interface Settings {
  locale: string | null;
  capabilities: { checkout: boolean; customAmounts: boolean; autoRecharge: boolean; history: boolean };
  currencies: { code: string; exponent: number; min: number; max: number }[];
}

export const settings = JSON.parse(el('main').dataset.settings ?? '{}') as Settings;
export const locale = settings.locale ?? undefined;
export const exponentOf = (code: string): number => settings.currencies.find((c) => c.code === code)?.exponent ?? 2;
