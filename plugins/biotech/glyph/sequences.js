// The biotech glyph: each sample sequence with its length and GC content, drawn as a bar.
// It runs in the console's glyph frame: `qntx.fetch` reaches this plugin's routes only, and the
// frame allows no inline script or network of its own.

const percent = (value) => value === null ? "—" : `${(value * 100).toFixed(1)} %`;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function bar(value) {
  const td = document.createElement("td");
  const meter = document.createElement("meter");
  meter.min = 0;
  meter.max = 1;
  meter.value = value ?? 0;
  meter.title = percent(value);
  td.append(meter);
  return td;
}

/** Draws the table into `root`; `qntx.fetch(path)` is relative to /api/biotech/. */
export async function render(root, qntx) {
  const style = document.createElement("style");
  style.textContent = "table{border-collapse:collapse;font:14px system-ui,sans-serif}" +
    "th,td{padding:4px 8px;text-align:left;border-bottom:1px solid #ddd}" +
    "td.num{text-align:right;font-variant-numeric:tabular-nums}meter{width:120px}";
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const title of ["file", "sequence", "length", "GC", ""]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  root.replaceChildren(style, table);
  const listed = await qntx.fetch("sequences");
  if (!listed.ok) throw new Error(`sequences answered ${listed.status}`);
  const { files } = await listed.json();
  for (const file of files) {
    if (file.error) continue;
    const answer = await qntx.fetch(`sequences/${encodeURIComponent(file.name)}/gc`);
    if (!answer.ok) continue;
    for (const record of (await answer.json()).records) {
      const row = body.insertRow();
      row.dataset.sequence = record.id;
      row.append(
        cell(file.name),
        cell(record.id),
        cell(String(record.length), "num"),
        cell(percent(record.gcContent), "num"),
        bar(record.gcContent),
      );
    }
  }
}
