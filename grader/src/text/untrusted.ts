/**
 * Text that a node or a submission chose (a message type or destination, a log line, a crash
 * stack, a result, a compiler message quoting student code, a student's folder name), made
 * inert before any report shows it. The grader applies it where such text enters what it
 * reports (a node's output, a run's result, compiler messages, a batch's names), so every
 * output format (terminal, live status, JUnit, GitHub annotations and job summary, Classroom,
 * Gradescope JSON, batch progress, the gradebook) starts from inert text and only adds its own
 * escaping (XML, workflow-command data, Markdown, CSV quoting).
 *
 * Inert means:
 * - nothing a terminal or a log viewer obeys or hides instead of showing: control characters
 *   (carriage return, escape sequences, the C1 CSI), invisible format characters (bidirectional
 *   overrides, zero-width spaces, tag characters), line separators and lone surrogates are shown
 *   as visible symbols (`␍`, `␛`, `<U+202E>`);
 * - no CI log command: a line whose text starts with `::` (a GitHub Actions workflow command,
 *   which the runner reads after trimming leading spaces, so indenting does not help) or that
 *   holds `##[`, `##vso[` or `##teamcity[` (commands that other CI runners read anywhere in a
 *   line) is changed so that no runner reads a command;
 * - one line where one line is expected (a name, a message): a newline is shown as `␊`.
 *
 * Every function is idempotent: inert text stays as it is.
 */

/** Shown, not obeyed: C0 controls but tab and newline, DEL, C1 controls, format characters, separators, lone surrogates. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/gu;

function symbolFor(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␀..␟: ␍ for \r, ␛ for ESC
  if (code === 0x7f) return '\u2421'; // ␡
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** A workflow command at the start of a line (after any spaces), or a CI command anywhere in it. */
const LINE_COMMAND = /^(\s*):(?=:)/;
const INLINE_COMMAND = /#(?=#(?:vso|teamcity)?\[)/gi;

function defuseCommands(line: string): string {
  // A full-width sign in place of the first character: it reads the same, and no runner obeys it.
  return line.replace(LINE_COMMAND, '$1\uff1a').replace(INLINE_COMMAND, '\uff03');
}

/** One line of untrusted text, inert: a newline is shown as `␊`. */
export function inertLine(text: string): string {
  return defuseCommands(String(text).replace(/\n/g, '\u240a').replace(HIDDEN, symbolFor));
}

/** Untrusted text of several lines, inert line by line (newlines kept). */
export function inertText(text: string): string {
  return String(text)
    .split('\n')
    .map((line) => defuseCommands(line.replace(HIDDEN, symbolFor)))
    .join('\n');
}

/** Untrusted lines (e.g. a node's log), each inert and on one line. */
export function inertLines(lines: readonly string[]): string[] {
  return lines.map(inertLine);
}

/**
 * An untrusted cell for a spreadsheet (the gradebook's CSV): inert, and never a formula. A cell
 * whose first non-space character is one a spreadsheet starts a formula with (`=`, `+`, `-`, `@`,
 * or their full-width forms), or that starts with a tab, gets a leading
 * apostrophe, which spreadsheets show as text.
 */
export function inertCell(text: string): string {
  const line = inertLine(text);
  return /^\t|^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/.test(line) ? `'${line}` : line;
}

/**
 * A word for a shell command that a person copies (a replay command naming a student's folder):
 * as it is when plain, in single quotes when it has spaces or quotes, and in ANSI-C quotes
 * (`$'...'`, read by bash, zsh and ksh) with each hidden character spelled out (`\x1b`,
 * `\u202e`) when it has any, so that the command is both inert on screen and exact when pasted.
 */
export function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  HIDDEN.lastIndex = 0;
  if (!/[\n\t]/.test(word) && !HIDDEN.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  HIDDEN.lastIndex = 0;
  const spelled = word.replace(/[\\']/g, (c) => `\\${c}`).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t')).replace(HIDDEN, (c) => {
    const code = c.codePointAt(0)!;
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code < 0x10000 ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  });
  return `$'${spelled}'`;
}
