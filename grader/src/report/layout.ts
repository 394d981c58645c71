/**
 * Lines that fit the terminal: prose wraps between words with a hanging indent, and a command or
 * a path is never broken (it moves to a line of its own). Widths are visible widths: colour codes
 * and hyperlinks take no room. Without a width (a file, a pipe, CI) nothing is wrapped.
 */

// CSI sequences (colour) and OSC sequences (hyperlinks), ended by BEL or ST.
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** Columns the text takes on screen (one per code point; escape sequences none). */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of text.replace(ESCAPES, '')) width++;
  return width;
}

/**
 * `lead` (an indent and maybe a label) followed by `text`, wrapped between words into lines of at
 * most `width` columns; continuation lines start with `hang`. A word longer than a line keeps a
 * line of its own rather than being cut.
 */
export function wrap(lead: string, text: string, width: number | undefined, hang: string): string[] {
  if (!width || visibleWidth(lead) + visibleWidth(text) <= width) return [lead + text];
  const lines: string[] = [];
  let line = lead;
  let lineWidth = visibleWidth(lead);
  let empty = true; // nothing but the lead or the hang on this line yet
  for (const word of text.split(' ')) {
    const w = visibleWidth(word);
    if (!empty && lineWidth + 1 + w > width) {
      lines.push(line);
      line = hang + word;
      lineWidth = visibleWidth(hang) + w;
    } else {
      line += (empty ? '' : ' ') + word;
      lineWidth += (empty ? 0 : 1) + w;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * `lead` then `whole` (a command, a path) on one line if it fits; otherwise `lead` alone and
 * `whole` on the next line, indented by `indent` if that fits, else from the first column: a
 * command is copied whole, so it is never broken by us.
 */
export function keepWhole(lead: string, whole: string, width: number | undefined, indent: string): string[] {
  if (!width || visibleWidth(lead) + 1 + visibleWidth(whole) <= width) return [`${lead} ${whole}`];
  const fits = visibleWidth(indent) + visibleWidth(whole) <= width;
  return [lead, `${fits ? indent : ''}${whole}`];
}

/** `text` cut to `width` columns with an ellipsis, after a whole word where one ends late enough (plain text only). */
export function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const kept = chars.slice(0, Math.max(0, width - 1)).join('');
  const space = kept.lastIndexOf(' ');
  return `${(space > width / 2 ? kept.slice(0, space) : kept).replace(/[\s,;:]+$/, '')}…`;
}
