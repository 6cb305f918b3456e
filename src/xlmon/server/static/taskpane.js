// The task pane: 汇总 by choosing units' files; the summary downloads and its 汇总表 is copied
// into a new sheet of the open workbook.
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

$("consolidate").addEventListener("click", async () => {
  const files = $("files").files;
  if (!files.length) {
    $("status").textContent = "请先选择各单位报送的工作簿。";
    return;
  }
  const body = new FormData();
  for (const f of files) body.append("files", f, f.name);
  $("status").textContent = `正在汇总 ${files.length} 个文件……`;
  $("consolidate").disabled = true;
  try {
    const response = await fetch("/api/consolidate", {
      method: "POST", body, headers: { Authorization: token() },
    });
    const result = await response.json();
    if (!response.ok) throw new Error(result.detail || response.statusText);
    const rejected = result.files.filter((f) => f.status === "rejected").length;
    $("status").textContent =
      `汇总完成：${result.units} 个单位，${result.projects} 个项目；${rejected} 个文件未采用。`;
    download($("download"), result.download);
    if (globalThis.Excel) await writeSummarySheet(result.table);
  } catch (error) {
    $("status").textContent = `汇总失败：${error.message}`;
  } finally {
    $("consolidate").disabled = false;
  }
});

$("report").addEventListener("click", async () => {
  const files = $("files").files;
  if (!files.length) {
    $("status").textContent = "请先选择工作簿（一个项目表得到项目报告，多个单位的文件得到部门报告）。";
    return;
  }
  const body = new FormData();
  for (const f of files) body.append("files", f, f.name);
  $("status").textContent = "正在生成分析报告……";
  $("report").disabled = true;
  try {
    const response = await fetch("/api/report", { method: "POST", body, headers: { Authorization: token() } });
    const result = await response.json();
    if (!response.ok) throw new Error(result.detail || response.statusText);
    $("status").textContent = "分析报告（草稿）已生成：标黄的【待填写】处需人工补充。";
    download($("report-download"), result.download);
  } catch (error) {
    $("status").textContent = `生成报告失败：${error.message}`;
  } finally {
    $("report").disabled = false;
  }
});
