// Ribbon buttons and task pane of the xlmon add-in. The xlwings Server client (loaded before
// this module) sends the open workbook to the server and applies the actions it returns.
const buttons = JSON.parse(document.getElementById("xlmon-buttons")?.textContent || "[]");

export function token() {
  return localStorage.getItem("xlmon-token") || "";
}

globalThis.getAuth = async () => ({ token: token(), provider: "" });

async function runButton(event, script) {
  try {
    await globalThis.xlwings.runPython({ scriptName: script, auth: token() });
  } finally {
    event.completed();
  }
}

Office.onReady(() => {
  for (const b of buttons) {
    if (b.function && b.script) {
      Office.actions.associate(b.function, (event) => runButton(event, b.script));
    }
  }
});

// Text from units is written as text: Excel's text prefix keeps "=…" from becoming a formula.
function asText(value) {
  return typeof value === "string" && value !== "" ? "'" + value : value;
}

export async function writeSummarySheet(table, formats) {
  await Excel.run(async (context) => {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    await context.sync();
    const taken = new Set(sheets.items.map((s) => s.name));
    let name = "汇总表";
    for (let n = 2; taken.has(name); n++) name = `汇总表(${n})`;
    const sheet = sheets.add(name);
    const width = Math.max(...table.map((r) => r.length));
    const values = table.map((r) => [...r, ...Array(width - r.length).fill("")].map(asText));
    const range = sheet.getRangeByIndexes(0, 0, values.length, width);
    range.values = values;
    if (formats) range.numberFormat = formats.map((r) => [...r, ...Array(width - r.length).fill("General")]);
    sheet.getRangeByIndexes(0, 0, values.length, width).format.autofitColumns();
    sheet.activate();
    await context.sync();
  });
}
