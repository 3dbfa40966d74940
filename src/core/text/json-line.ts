/**
 * One JSON value per line, with every character that could close or fake the
 * data markers escaped: whatever a speaker said (or a transcript was made to
 * contain) stays inside the block as data.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
