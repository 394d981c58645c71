/** A plain-text table: sections of rows, columns padded to fit. */

export interface Row {
  label: string;
  median: string;
  /** The best figure: the least time, or the highest rate. */
  min: string;
  note: string;
}

export interface Section {
  title: string;
  rows: Row[];
}

export function renderTable(sections: Section[]): string {
  const header: Row = { label: 'measurement', median: 'median', min: 'best', note: 'notes' };
  const all = [header, ...sections.flatMap((s) => s.rows)];
  const w = {
    label: Math.max(...all.map((r) => r.label.length)),
    median: Math.max(...all.map((r) => r.median.length)),
    min: Math.max(...all.map((r) => r.min.length)),
  };
  const line = (r: Row) =>
    `  ${r.label.padEnd(w.label)}  ${r.median.padStart(w.median)}  ${r.min.padStart(w.min)}  ${r.note}`.trimEnd();
  const rule = '  ' + '-'.repeat(w.label + w.median + w.min + 4 + Math.max(...all.map((r) => r.note.length)) + 2);
  const out: string[] = [line(header), rule];
  for (const section of sections) {
    out.push('', `${section.title}`);
    for (const row of section.rows) out.push(line(row));
  }
  return out.join('\n');
}
