import { escapeMarkup } from "./escape.js";

/** Markup that is already safe: what `html` returns, and trusted assets (`raw`). Anything else interpolated is escaped. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.html;
  if (Array.isArray(v)) return v.map(render).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeMarkup(v);
}

/**
 * An auto-escaping HTML template: every interpolated value is escaped unless it is SafeHtml (another template's
 * result); arrays are joined; null, undefined and false render as nothing. Text from a run cannot become markup.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new SafeHtml(out);
}

/** Trusted markup as is: the page's own stylesheet and scripts, never text from a run. */
export const raw = (s: string) => new SafeHtml(s);

/** JSON that is safe inside <script>: every "<" escaped, so no "</script>" or "<!--" in the data can end the element. */
export const scriptJson = (v: unknown) => raw(JSON.stringify(v).replace(/</g, "\\u003c"));
