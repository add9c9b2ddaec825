// The month's raw files (POST /api/v1/facts/{period}/records/{kind}, CSV with a header row or NDJSON): one
// upload per kind with a progress bar; a refused file (atomic: nothing stored) lists its bad rows from the
// 422 problem (row, line, field, message). Only unrestricted fact writers see this page.
import { problemLines, upload } from '../api.js';
import { esc } from '../fmt.js';
import { label, t } from '../i18n.js';
import { shift, thisMonth } from '../periods.js';

// The columns of each kind (scoring's raw record definitions); * = required
const KINDS = {
  readings: 'unit*, task_id*, planned_day*, uploaded_at, exception_approved, one_stop_due, one_stop_done',
  bills: 'unit*, bill_id*, issued_on*',
  reconciliations: 'unit*, task_id*, due_on*, done_on',
  anomalies: 'unit*, anomaly_id*, due_on*, rectified_on',
  ledger: 'unit*, op_id*, op_type*, original_at*, reversed_at*, bill_released',
};

function kindRow(kind) {
  return `<tr data-kind="${kind}"><td><b>${esc(label('kind', kind))}</b><div class="muted code">${esc(kind)}</div></td>
    <td class="muted small">${esc(KINDS[kind])}</td>
    <td><input type="file" accept=".csv,.ndjson,.jsonl,text/csv" id="file-${kind}" data-kind="${kind}"></td>
    <td><button class="btn upload" type="button" data-kind="${kind}" id="upload-${kind}">${esc(t('im.upload'))}</button></td>
    <td class="progress-cell"><progress id="progress-${kind}" max="100" value="0" hidden></progress>
      <span class="pct" id="pct-${kind}"></span></td></tr>
    <tr class="result-row" data-kind="${kind}"><td colspan="5" id="result-${kind}" hidden></td></tr>`;
}

function rowErrors(err) {
  const lines = problemLines(err);
  return `<div class="error upload-error"><b>${esc(t('im.refused'))}</b>：${esc(err.message)}
    <table class="row-errors"><thead><tr><th class="num">${esc(t('im.row'))}</th><th class="num">${esc(t('im.line'))}</th>
    <th>${esc(t('im.field'))}</th><th>${esc(t('im.message'))}</th></tr></thead><tbody>${lines.map((l) =>
      `<tr><td class="num">${esc(l.row ?? '—')}</td><td class="num">${esc(l.line ?? '—')}</td>
      <td><code>${esc(l.field)}</code></td><td>${esc(l.message)}</td></tr>`).join('')}</tbody></table></div>`;
}

function done(result) {
  return `<div class="notice">${esc(t('im.done', { rows: result.rows, units: result.units }))}</div>`;
}

export async function render(main, params, ctx) {
  const period = /^\d{4}-\d{2}$/.test(params.period || '') ? params.period : shift(thisMonth(), -1);
  main.innerHTML = `<div class="bar"><h1>${esc(t('im.title'))}</h1>
      <label>${esc(t('period'))} <input type="month" id="im-period" value="${esc(period)}"></label>
      <a href="#/scoring?period=${esc(period)}" id="to-scoring">${esc(t('im.toScoring'))}</a></div>
    <p class="muted">${esc(t('im.hint'))}</p>
    <section class="card full"><table id="imports"><thead><tr><th>${esc(t('im.kind'))}</th><th>${esc(t('im.columns'))}</th>
      <th>${esc(t('im.file'))}</th><th></th><th>${esc(t('im.progress'))}</th></tr></thead>
      <tbody>${Object.keys(KINDS).map(kindRow).join('')}</tbody></table></section>`;
  main.querySelector('#im-period').addEventListener('change', (ev) => ctx.go('imports', { period: ev.target.value }));
  main.querySelectorAll('button.upload').forEach((button) => button.addEventListener('click', async () => {
    const kind = button.dataset.kind;
    const file = main.querySelector(`#file-${kind}`).files[0];
    const out = main.querySelector(`#result-${kind}`);
    const bar = main.querySelector(`#progress-${kind}`);
    const pct = main.querySelector(`#pct-${kind}`);
    out.hidden = false;
    if (!file) { out.innerHTML = `<div class="error">${esc(t('im.noFile'))}</div>`; return; }
    const ndjson = /\.(nd)?jsonl?$/i.test(file.name) || file.name.endsWith('.ndjson');
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    out.innerHTML = `<span class="muted">${esc(t('im.sending', { name: file.name }))}</span>`;
    const progress = (f) => { bar.value = Math.round(f * 100); pct.textContent = `${Math.round(f * 100)}%`; };
    try {
      const result = await upload(`/api/v1/facts/${period}/records/${kind}`, file,
        { contentType: ndjson ? 'application/x-ndjson' : 'text/csv', onProgress: progress });
      out.innerHTML = done(result);
      out.dataset.outcome = 'ok';
    } catch (err) {
      out.innerHTML = rowErrors(err);
      out.dataset.outcome = 'refused';
    } finally {
      button.disabled = false;
    }
  }));
}
