/**
 * The page's style sheets, served from our origin (the CSP allows no inline style). The theme is
 * the operator's colour with a text colour chosen for contrast on it.
 */
export const BILLING_CSS = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: #1a1a1a; background: #f6f7f9; }
body { margin: 0; }
.top { display: flex; align-items: center; gap: .75rem; padding: .75rem 1rem; background: #fff; border-bottom: 4px solid var(--brand); }
.top .logo { width: 32px; height: 32px; object-fit: contain; }
.top .brand { margin: 0; font-weight: 600; }
main { max-width: 42rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
section { background: #fff; border: 1px solid #d8dbe0; border-radius: .5rem; padding: 1rem; margin-bottom: 1rem; }
a { color: #1d3fb8; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #1d3fb8; outline-offset: 2px; }
dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; margin: 0; }
.figure dt { font-size: .9rem; color: #4a4f57; }
.figure dd { margin: 0; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
.figure.main dd { font-size: 1.75rem; font-weight: 600; }
#arriving { border-left: 4px solid var(--brand); padding-left: .75rem; }
#arriving ul { margin: 0; padding-left: 1.2rem; }
.packs { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .75rem; }
button { font: inherit; min-height: 44px; padding: .5rem 1rem; border: 0; border-radius: .375rem; background: var(--brand); color: var(--on-brand); cursor: pointer; }
input, select { font: inherit; min-height: 44px; padding: .4rem .6rem; border: 1px solid #6b7280; border-radius: .375rem; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; }
.row input { flex: 1 1 8rem; min-width: 0; }
.help { font-size: .9rem; color: #4a4f57; }
.error { color: #a4161a; }
.message { text-align: center; padding-top: 3rem; }
.session-nav { display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
button.secondary { background: #fff; color: #1d3fb8; border: 1px solid #1d3fb8; }
button:disabled { opacity: .6; cursor: default; }
form label, form legend { display: block; font-weight: 600; margin-top: .75rem; }
form .check { display: flex; align-items: center; gap: .5rem; margin: .5rem 0; }
form .check label { display: inline; font-weight: 400; margin: 0; }
form .check input { width: 1.4rem; height: 1.4rem; min-height: 0; margin: 0; flex: none; }
form input:not([type]), form select { width: 100%; max-width: 20rem; }
fieldset { border: 0; padding: 0; margin: 0; }
.field-error { color: #a4161a; font-size: .9rem; margin: .25rem 0 0; min-height: 0; }
.field-error:empty, #ar-payment-status:empty { display: none; }
[aria-invalid="true"] { border-color: #a4161a; border-width: 2px; }
.terms { margin-top: 1rem; padding: .75rem; background: #f6f7f9; border-radius: .375rem; }
.terms h3 { margin-top: 0; }
.state { border-left: 4px solid #6b7280; padding: .25rem .75rem; margin-bottom: .75rem; }
.state p { margin: .25rem 0; }
.state.active { border-color: #1b7f3b; }
.state.requires_action, .state.suspended { border-color: #a4161a; }
.state.cap_reached { border-color: #8a5a00; }
.history { list-style: none; padding: 0; margin: 0; }
.history li { display: grid; grid-template-columns: 1fr auto; gap: .1rem .75rem; padding: .6rem 0; border-bottom: 1px solid #e5e7eb; }
.history .what { font-weight: 600; }
.history .credits { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.history .amount { text-align: right; font-variant-numeric: tabular-nums; color: #4a4f57; }
.history .when, .history .state-text { font-size: .9rem; color: #4a4f57; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
`;

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The operator's colour, and black or white text on it, whichever contrasts more. */
export function themeCss(brandColor: string): string {
  const l = luminance(brandColor);
  const onBrand = (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
  return `:root { --brand: ${brandColor}; --on-brand: ${onBrand}; }\n`;
}
