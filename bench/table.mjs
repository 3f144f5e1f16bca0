/** The results table: one row per measure, with its reference, ratio or growth, target and verdict. */

const fmtRatio = (x) => (x === undefined ? '—' : `${x.toFixed(2)}×`);

/** Sync results to rows: absolute numbers per size, then growth from each size to the next. */
export function syncRows(results) {
  const rows = [];
  for (const r of results) {
    rows.push({
      what: `sync ${r.n.toLocaleString('en')} certs, ${r.scenario}`,
      measured: `${r.ms.toFixed(0)} ms, ${r.requests} req, ${(r.rssKb / 1024).toFixed(0)} MB`,
      reference: `${(r.ms / r.n).toFixed(2)} ms/cert`,
      ratio: undefined,
      target: '—',
      holds: undefined,
    });
  }
  for (const scenario of [...new Set(results.map((r) => r.scenario))]) {
    const list = results.filter((r) => r.scenario === scenario);
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1], list[i]];
      const growth = b.ms / a.ms;
      const limit = (12 * (b.n / a.n)) / 10;
      rows.push({
        what: `sync growth ${a.n.toLocaleString('en')}→${b.n.toLocaleString('en')}, ${scenario}`,
        measured: `${b.ms.toFixed(0)} ms`,
        reference: `${a.ms.toFixed(0)} ms`,
        ratio: growth,
        target: `≤ ${limit}× time`,
        holds: growth <= limit,
        extra: `memory ${fmtRatio(b.rssKb / a.rssKb)}, requests ${a.requests}→${b.requests}`,
      });
    }
  }
  return rows;
}

export function formatTable(rows) {
  const head = ['what', 'measured', 'reference', 'ratio/growth', 'target', 'holds'];
  const body = rows.map((r) => [
    r.what,
    r.measured,
    r.reference,
    fmtRatio(r.ratio) + (r.extra ? ` (${r.extra})` : ''),
    r.target,
    r.holds === undefined ? '—' : r.holds ? 'yes' : 'NO',
  ]);
  return [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
