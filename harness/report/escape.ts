/** Text safe inside HTML and XML, in element content and in quoted attributes. */
export function escapeMarkup(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
