// The task pane: 汇总 and 生成报告 by choosing units' files; the summary downloads and its 汇总表 is
// copied into a new sheet of the open workbook; the report downloads.
import { token, writeSummarySheet } from "/static/xlmon-addin.js";

const $ = (id) => document.getElementById(id);
$("token").value = token();
$("token").addEventListener("change", () => localStorage.setItem("xlmon-token", $("token").value));

function download(link, file) {
  const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
  const blob = new Blob([bytes], {
    type: file.name.endsWith(".docx")
      ? "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
      : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  });
  link.href = URL.createObjectURL(blob);
  link.download = file.name;
  link.classList.remove("d-none");
  link.click();
}

// The files to send, each with the name it goes by: those chosen one by one, or the workbooks (and a …名单… roster)
// of the chosen folder by their paths in it (一科/监控表.xlsx), Office's lock files and hidden ones left out, as the
// server's own folder search does; the last choice counts. The folder's zips, .xlsb, .ods, .rar and .7z are sent too,
// as the command line reads them in that folder: the server names the workbooks a zip holds or sees them unpacked
// (F015), and says what to do with the others, each the unit's file (K003 报送的文件 … 未能纳入汇总); one over the
// server's limit for a file, chosen either way, is not sent, and the status line says so. The folder's other files
// are not sent, but named (`others`): of a unit's form typed in Word or a PDF of it, the summary and the report say
// that the unit sent a file that could not be read, as the command line does (the server keeps those it would name).
let chosen = [];
let others = [];
let limits = { max_file_mb: 20, max_files: 300, max_total_mb: 200 };  // the server's, from /api/info
fetch("/api/info").then((r) => r.json()).then((info) => { limits = info.limits; }).catch(() => {});

// The files chosen but those over the server's limit for a file; what the status line says of those
function choose(files) {
  const big = files.filter((f) => f.file.size > limits.max_file_mb * 2 ** 20);
  chosen = files.filter((f) => !big.includes(f));
  const refused = big.map((f) => `“${f.name}”超过单个文件 ${limits.max_file_mb} MB 的上限`);
  return refused.length ? `以下文件未加入：${refused.join("；")}。` : "";
}

$("files").addEventListener("change", () => {
  others = [];
  $("status").textContent = choose(Array.from($("files").files, (file) => ({ file, name: file.name })));
});
$("folder").addEventListener("change", () => {
  const files = Array.from($("folder").files).filter((file) => !/^(~\$|\.)/.test(file.name))
    .map((file) => ({ file, name: file.webkitRelativePath.split("/").slice(1).join("/") || file.name }));
  const sent = ({ file }) => /\.(xls[xm]?|xlt[xm]?|ett?|xlsb|ods|zip|rar|7z)$/i.test(file.name)
    || (/名单/.test(file.name) && /\.(csv|txt)$/i.test(file.name));
  others = files.filter((f) => !sent(f)).map((f) => f.name);
  const refused = choose(files.filter(sent));
  $("status").textContent = `已选择文件夹中的 ${chosen.length} 个文件。${refused}`;
});

// Send the chosen files to `url`; `done` receives the server's answer. Errors are shown as `failed：…`.
async function postFiles(url, button, { empty, busy, failed }, done) {
  const files = chosen;
  if (!files.length) {
    $("status").textContent = empty;
    return;
  }
  const total = files.reduce((sum, f) => sum + f.file.size, 0);
  const over = files.length > limits.max_files ? `文件过多：一次最多 ${limits.max_files} 个，现在选择了 ${files.length} 个。`
    : total > limits.max_total_mb * 2 ** 20 ? `所选文件合计 ${(total / 2 ** 20).toFixed(1)} MB，超过一次 ${limits.max_total_mb} MB 的上限。`
      : "";
  if (over) {  // refused here, not by the server once everything is sent, as the web page refuses it
    $("status").textContent = `${failed}：${over}${url === "/api/consolidate"
      ? "请分成几批分别汇总，再把各批的汇总表一起汇总。" : "请分批选择。"}`;
    return;
  }
  const body = new FormData();
  for (const f of files) body.append("files", f.file, f.name);
  body.append("modified", JSON.stringify(files.map((f) => f.file.lastModified)));  // the later copy counts
  if (others.length) body.append("others", JSON.stringify(others));  // their names, never the files
  $("status").textContent = busy(files.length);
  button.disabled = true;
  try {
    const response = await fetch(url, { method: "POST", body, headers: { Authorization: token() } });
    const result = await response.json();
    if (!response.ok) throw new Error(result.detail || response.statusText);
    await done(result);
  } catch (error) {
    $("status").textContent = `${failed}：${error.message}`;
  } finally {
    button.disabled = false;
  }
}

$("consolidate").addEventListener("click", () => postFiles("/api/consolidate", $("consolidate"), {
  empty: "请先选择各单位报送的工作簿。",
  busy: (n) => `正在汇总 ${n} 个文件……`,
  failed: "汇总失败",
}, async (result) => {
  $("status").textContent = result.status;  // as the add-in's 汇总 alert says it: the server writes both
  download($("download"), result.download);
  if (globalThis.Excel) await writeSummarySheet(result.table, result.table_formats);
}));

$("report").addEventListener("click", () => postFiles("/api/report", $("report"), {
  empty: "请先选择工作簿（一个项目表得到项目报告，多个单位的文件得到部门报告）。",
  busy: () => "正在生成分析报告……",
  failed: "生成报告失败",
}, async (result) => {
  $("status").textContent = `分析报告（草稿）已生成：标黄的【待填写】处需人工补充。${result.roster_note || ""}`;
  download($("report-download"), result.download);
}));
