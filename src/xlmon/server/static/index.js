// The upload page: 校验 and 汇总 for anyone with a browser (WPS users, Excel without the add-in).
// Everything from the user or the server goes into the page as text, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "xlmon-token";
  const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  const SEVERITY = { error: "错误", warning: "警告", info: "提示" };
  const STATUS = { ok: "通过", invalid: "发现错误", unreadable: "无法读取" };
  const GRADE = { green: "绿", yellow: "黄", red: "红" };
  const TOTAL_COLUMNS = [
    ["carryover", "上年结转", "amount"], ["current", "本年预算", "amount"], ["subtotal", "小计", "amount"],
    ["issued", "下达数", "amount"], ["issue_rate", "下达率", "rate"], ["spent", "支出数", "amount"],
    ["spend_progress", "支出进度", "rate"], ["forecast", "全年预计支出数", "amount"],
  ];

  let limits = { max_file_mb: 20, max_files: 300, max_total_mb: 200 };
  let chosen = [];
  let foundRosters = [];  // …名单… .csv/.txt files chosen with the units' files
  // the chosen folders' other papers (a unit's form typed in Word, a PDF), by their paths there: not sent, but named
  // to 汇总 and the report, which say that the unit sent a file that could not be read, as the command line does
  let others = [];
  const objectUrls = [];

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  const show = (node, visible = true) => node.classList.toggle("d-none", !visible);

  // a bureau's summary of several departments counts them before their units, as the command line does
  const departmentsCount = (result) => (result.departments.length > 1 ? `${result.departments.length} 个主管部门、` : "");

  function alertText(message) {
    $("alert").textContent = message;
    show($("alert"), Boolean(message));
    if (message) $("alert").scrollIntoView({ block: "nearest" });
  }

  const token = () => localStorage.getItem(TOKEN_KEY) || "";

  function amount(v) {
    if (v === null || v === undefined || v === "") return "—";
    return Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function percent(v) {
    return v === null || v === undefined ? "—" : `${(v * 100).toFixed(2)}%`;
  }

  function size(bytes) {
    return bytes < 2 ** 20 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;
  }

  // ------------------------------------------------------------------ choosing files

  // Files chosen one by one go by their names; files chosen with their folder by their paths in it (一科/监控表.xlsx),
  // so that units' files of one name are all kept, and told apart in the summary as on the command line.
  const OTHER_FORMATS = /\.(xlsb|ods|zip|rar|7z)$/i;  // sent from a chosen folder for the server to name, as the
  // command line names them in that folder; refused at once when chosen one by one
  const WORKBOOK = /\.(xls[xm]?|xlt[xm]?|ett?)$/i;  // a template is a workbook; a WPS .et is read when it holds an
  // .xls's or .xlsx's data, else named by the server

  // A file chosen again (the same name, size and time) replaces itself; another of the same name (every unit's
  // 监控表.xlsx, chosen from their folders one after another) is kept beside it as 监控表（2）.xlsx: were it the
  // same unit's corrected copy, the summary would take the later one and say so (K002), never lose either.
  function freeName(name) {
    const dot = name.lastIndexOf(".");
    const [stem, suffix] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    let n = 2;
    while (chosen.some((f) => f.name === `${stem}（${n}）${suffix}`)) n += 1;
    return `${stem}（${n}）${suffix}`;
  }

  function addFiles(list, inFolder = false) {
    const skipped = [];
    const renamed = [];
    let ignored = 0;
    for (const file of list) {
      let name = inFolder ? file.webkitRelativePath.split("/").slice(1).join("/") || file.name : file.name;
      if (inFolder && /^(~\$|\.)|^(thumbs\.db|ehthumbs(_vista)?\.db|desktop\.ini)$/i.test(file.name)) {
        continue;  // Office's lock files, hidden files and those Windows keeps in a folder of its own accord
      }
      const listOfUnits = /名单/.test(file.name) && /\.(csv|txt)$/i.test(file.name);
      if (listOfUnits && name.includes("/")) {
        ignored += 1;  // a 科's list of its own units in its sub-folder: not the department's roster, as on the command line
      } else if (listOfUnits) {
        // a roster dropped with the units' files, as it lies in their folder: sent among them, the server takes
        // it as it takes a folder's (two such files, or one without names, are a note, as on the command line)
        foundRosters = [...foundRosters.filter((f) => f.name !== name), { file, name }];
        if (!roster.file || roster.found) roster.set(file, true);
      } else if (!WORKBOOK.test(file.name) && !(inFolder && OTHER_FORMATS.test(file.name))) {
        // a chosen folder's zips, other spreadsheets (.xlsb, .ods) and archives are sent, as the command line reads
        // them in that folder: the server names the workbooks a zip holds, or sees that they were unpacked into the
        // folder (F015), and refuses the others with what to do, as the unit's file (K003: 报送的文件 … 未能纳入汇总).
        // Chosen one by one, such a file is refused here at once, with what to do, as nothing could be made of it
        if (inFolder) {
          ignored += 1;  // the folder's other papers (.docx, .pdf …)
          others = [...others.filter((n) => n !== name), name];
        } else {
          skipped.push(/\.(zip|rar|7z)$/i.test(file.name) ? `“${name}”是压缩包，请先解压`
            : `“${name}”不是 .xlsx / .xlsm / .xls 工作簿，请另存为 .xlsx`);
        }
      } else if (file.size > limits.max_file_mb * 2 ** 20) {
        skipped.push(`“${name}”超过单个文件 ${limits.max_file_mb} MB 的上限`);
      } else {
        const same = chosen.find((f) => f.name === name);
        if (same && (same.file.size !== file.size || same.file.lastModified !== file.lastModified)) {
          const kept = freeName(name);
          renamed.push(`“${name}”已有同名文件，新选择的以“${kept}”加入`);
          name = kept;
        }
        chosen = chosen.filter((f) => f.name !== name);
        chosen.push({ file, name });
      }
    }
    alertText(skipped.length ? `以下文件未加入：${skipped.join("；")}。` : "");
    renderChosen((ignored ? `文件夹中另有 ${ignored} 个不是工作簿的文件，未加入。` : "")
      + (renamed.length ? `${renamed.join("；")}（如是同一单位改正后的文件，汇总时采用最后保存时间较晚的一份）。` : ""));
  }

  function renderChosen(note = "") {
    const list = $("file-list");
    list.replaceChildren(...chosen.map((f) => el("li", `${f.name}（${size(f.file.size)}）`)));
    const total = chosen.reduce((sum, f) => sum + f.file.size, 0);
    $("status").textContent = chosen.length ? `已选择 ${chosen.length} 个文件，共 ${size(total)}。${note}` : note;
  }

  // A file sent with 汇总 only, besides the units' (field "#id", its name in "#id-name", a hint there when none
  // is chosen, removed with "#id-clear"); one whose name does not match `pattern` is refused with refusal(name).
  function optionalFile(id, pattern, refusal) {
    const hint = $(`${id}-name`).textContent;
    const field = { file: null, found: false };
    field.set = (file, found = false) => {
      field.file = file;
      field.found = found;
      $(`${id}-name`).textContent = file ? `${file.name}（${size(file.size)}）` : hint;
      $(`${id}-name`).classList.toggle("hint", !file);
      show($(`${id}-clear`), Boolean(file));
    };
    $(id).addEventListener("change", () => {
      const file = $(id).files[0];
      $(id).value = "";
      if (!file) return;
      if (!pattern.test(file.name)) {
        alertText(refusal(file.name));
        return;
      }
      alertText("");
      field.set(file);
    });
    $(`${id}-clear`).addEventListener("click", () => field.set(null));
    return field;
  }

  // the units expected to report
  const roster = optionalFile("roster", /\.(xlsx|xls|csv|txt)$/i,
    (name) => `“${name}”不能作为单位名单：请用 .xlsx、.xls 或 .csv 文件。`);
  // the department's earlier summary, whose completed 部门整体 goes into the new one
  const earlier = optionalFile("earlier", /\.xlsx$/i,
    (name) => `“${name}”不是部门汇总表：请选择 xlmon 生成的 .xlsx 汇总表。`);

  $("files").addEventListener("change", () => {
    addFiles(Array.from($("files").files));
    $("files").value = "";
  });
  $("folder").addEventListener("change", () => {
    addFiles(Array.from($("folder").files), true);
    $("folder").value = "";
  });

  const zone = $("drop-zone");
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const items = Array.from(event.dataTransfer.items || []);
    if (items.some((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()?.isDirectory)) {
      alertText("拖入的是文件夹：请用“选择文件夹…”选择它，其中的工作簿会全部加入。");
      return;
    }
    addFiles(Array.from(event.dataTransfer.files));
  });

  $("clear-button").addEventListener("click", () => {
    chosen = [];
    foundRosters = [];
    others = [];
    roster.set(null);
    earlier.set(null);
    alertText("");
    renderChosen();
  });

  $("token").value = token();
  $("token").addEventListener("input", () => localStorage.setItem(TOKEN_KEY, $("token").value.trim()));

  // ------------------------------------------------------------------ talking to the server

  async function post(url, button, busyText) {
    if (!chosen.length) {
      alertText("请先选择一个或多个工作簿（.xlsx / .xlsm / .xls）。");
      return null;
    }
    // 汇总 and the report check the roster (the report names who did not report); 汇总 carries the earlier summary
    const rostered = url === "/api/consolidate" || url === "/api/report";
    const sent = rostered && roster.found ? [...chosen, ...foundRosters] : chosen;
    const extra = [["roster", roster], ["overall_from", earlier]].filter(([name, field]) => field.file && !field.found
      && (name === "roster" ? rostered : url === "/api/consolidate"));
    // refused here, not by the server once everything is sent; a department too large for one 汇总 is summed in parts,
    // whose summaries are then summed together to the same totals
    const parts = url === "/api/consolidate" ? "请分成几批分别汇总，再把各批的汇总表一起汇总。"
      : "请分批选择。";
    const total = [...sent.map((f) => f.file), ...extra.map(([, field]) => field.file)]
      .reduce((sum, file) => sum + file.size, 0);
    if (sent.length > limits.max_files) {
      alertText(`文件过多：一次最多 ${limits.max_files} 个，现在选择了 ${sent.length} 个。${parts}`);
      return null;
    }
    if (total > limits.max_total_mb * 2 ** 20) {
      alertText(`所选文件合计 ${size(total)}，超过一次 ${limits.max_total_mb} MB 的上限。${parts}`);
      return null;
    }
    const body = new FormData();
    for (const f of sent) body.append("files", f.file, f.name);
    body.append("modified", JSON.stringify(sent.map((f) => f.file.lastModified)));  // the later copy counts
    if (rostered && others.length) body.append("others", JSON.stringify(others));  // their names, never the files
    for (const [name, field] of extra) body.append(name, field.file, field.file.name);
    const headers = token() ? { Authorization: token() } : {};
    const buttons = [$("check-button"), $("consolidate-button"), $("report-button"), $("clear-button")];
    const label = button.textContent;
    alertText("");
    buttons.forEach((b) => { b.disabled = true; });
    button.classList.add("busy");
    button.setAttribute("aria-busy", "true");
    button.textContent = busyText;
    $("status").textContent = `${busyText}（${chosen.length} 个文件）`;
    try {
      const response = await fetch(url, { method: "POST", body, headers });
      let result = null;
      try {
        result = await response.json();
      } catch {
        result = null;
      }
      if (!response.ok) {
        if (response.status === 401) {
          show($("token-row"));
          $("token").focus();
        }
        const detail = result && typeof result.detail === "string" ? result.detail : "";
        alertText(detail || `服务器出错（HTTP ${response.status}），请稍后再试。`);
        $("status").textContent = "";
        return null;
      }
      if (!result) {
        alertText("服务器的回复无法识别，请稍后再试。");
        return null;
      }
      return result;
    } catch (error) {
      alertText(`无法连接服务器：${error.message}`);
      $("status").textContent = "";
      return null;
    } finally {
      button.textContent = label;
      button.classList.remove("busy");
      button.removeAttribute("aria-busy");
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  function downloadLink(link, file, text) {
    const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
    const type = file.name.endsWith(".docx")
      ? "application/vnd.openxmlformats-officedocument.wordprocessingml.document" : XLSX_TYPE;
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    objectUrls.push(url);
    link.href = url;
    link.download = file.name;
    link.textContent = text;
    show(link);
    return link;
  }

  // A new result replaces the earlier one, whichever button made it: its sections are hidden and its
  // download links revoked.
  function clearResults() {
    while (objectUrls.length) URL.revokeObjectURL(objectUrls.pop());
    for (const id of ["check-result", "consolidate-result", "report-result"]) show($(id), false);
  }

  function diagnosticRows(body, diagnostics, fileOf) {
    body.replaceChildren(...diagnostics.map((d) => {
      const row = el("tr");
      const severity = el("td", SEVERITY[d.severity] || d.severity, `sev-${d.severity}`);
      row.append(el("td", fileOf(d)), el("td", d.sheet || ""), el("td", d.cell || ""),
        el("td", d.code, "code"), severity, el("td", d.message));
      return row;
    }));
  }

  // ------------------------------------------------------------------ 校验

  function fileStatusLine(record) {
    const counts = { error: 0, warning: 0, info: 0 };
    for (const d of record.diagnostics) counts[d.severity] = (counts[d.severity] || 0) + 1;
    const state = STATUS[record.status] || record.status;
    const detail = record.status === "unreadable" ? ""
      : `：${record.forms.length} 张监控表，错误 ${counts.error} 个，警告 ${counts.warning} 个，提示 ${counts.info} 个`;
    const item = el("li", null, `file-${record.status}`);
    item.append(el("b", record.path), el("span", `  ${state}${detail}`));
    return item;
  }

  $("check-button").addEventListener("click", async () => {
    const result = await post("/api/check", $("check-button"), "正在校验……");
    if (!result) return;
    clearResults();
    $("check-files").replaceChildren(...result.files.map(fileStatusLine));
    const rows = result.files.flatMap((f) => f.diagnostics.map((d) => ({ ...d, file: f.path })));
    diagnosticRows($("diagnostics-body"), rows, (d) => d.file);
    show($("diagnostics"), rows.length > 0);
    show($("no-diagnostics"), rows.length === 0);
    $("check-downloads").replaceChildren(...result.annotated.map((file, i) => {
      const link = el("a", null, "download");
      link.id = `annotated-${i}`;
      return downloadLink(link, file, `下载 ${file.name}（标注了问题的副本）`);
    }), ...(result.unmarked || []).map((reason) => el("span", `未生成标注副本：${reason}`, "hint")));
    show($("check-result"));
    const count = (severity) => rows.filter((d) => d.severity === severity).length;
    $("status").textContent = `校验完成：${result.files.length} 个文件，错误 ${count("error")} 个、`
      + `警告 ${count("warning")} 个、提示 ${count("info")} 个。`;
  });

  // ------------------------------------------------------------------ 汇总

  function summaryNotes(result) {
    const notes = [];
    // the first sent twice named and the rest counted, as the server writes it (consolidate.run.duplicates_note)
    if (result.duplicates_note) notes.push(result.duplicates_note);
    if (result.roster) {
      const { name, units, listed } = result.roster;  // a bureau's roster lists 部门（单位）
      const missing = result.missing_units.length;
      notes.push(`按${listed}名单（${name}，应报送 ${units} 个${listed}）核对：`
        + (missing ? `未报送 ${missing} 个：${result.missing_units.join("、")}` : `各${listed}均已报送`));
      if (result.unlisted_units.length) notes.push(`不在名单中的${listed}：${result.unlisted_units.join("、")}`);
    }
    if (result.roster_note) notes.push(result.roster_note);
    for (const d of result.diagnostics) {
      if (["K007", "K010", "K011"].includes(d.code)) notes.push(`部门整体：${d.message}`);
      if (["K015", "K016"].includes(d.code)) notes.push(d.message);
    }
    if (result.others_note) notes.push(result.others_note);  // the folder's .docx and PDFs, by name
    return notes;
  }

  $("consolidate-button").addEventListener("click", async () => {
    const result = await post("/api/consolidate", $("consolidate-button"), "正在汇总……");
    if (!result) return;
    clearResults();
    const { year, months } = result.period;
    $("summary-period").textContent = `监控期间：${year ?? "未识别"} 年 1-${months ?? "?"} 月`
      + `，时间进度 ${percent(result.time_progress)}。`;
    const included = result.files.filter((f) => f.status === "included").length;
    $("summary-counts").textContent = `汇总了 ${included} 个文件：${departmentsCount(result)}${result.units} 个单位，`
      + `${result.projects} 个项目。`;

    const head = [el("th", "资金来源"), ...TOTAL_COLUMNS.map(([, label]) => el("th", label)),
      el("th", "进度差（百分点）"), el("th", "评级")];
    $("totals-head").replaceChildren(...head);
    const cells = TOTAL_COLUMNS.map(([key, , kind]) => {
      const v = result.totals[key];
      return el("td", kind === "rate" ? percent(v) : amount(v), "number");
    });
    const gap = result.gap === null ? "—" : (result.gap * 100).toFixed(2);
    const grade = el("td", GRADE[result.grade] || "—", result.grade ? `grade-${result.grade}` : "");
    $("totals-row").replaceChildren(el("th", "资金总额"), ...cells, el("td", gap, "number"), grade);

    for (const g of ["red", "yellow", "green"]) $(`grade-${g}`).textContent = result.grades[g] ?? 0;

    // earlier months of forms sent for this period (K018) last: nothing to do about them
    const rejected = result.files.filter((f) => f.status === "rejected")
      .sort((a, b) => Number(Boolean(a.earlier)) - Number(Boolean(b.earlier)));
    $("rejected-list").replaceChildren(...rejected.map((f) => {
      const item = el("li");
      item.append(el("b", f.path), el("span", `：${f.reason || "未说明原因"}`));
      return item;
    }));
    show($("rejected"), rejected.length > 0);

    const notes = summaryNotes(result);
    $("summary-notes-list").replaceChildren(...notes.map((n) => el("li", n)));
    show($("summary-notes"), notes.length > 0);

    diagnosticRows($("summary-diagnostics-body"), result.diagnostics, (d) => d.file || "");
    $("summary-diagnostics-title").textContent = `汇总时发现的问题（${result.diagnostics.length} 条）`;
    show($("summary-diagnostics-box"), result.diagnostics.length > 0);

    downloadLink($("summary-download"), result.download, `下载 ${result.download.name}`);
    show($("consolidate-result"));
    $("status").textContent = `汇总完成：${departmentsCount(result)}${result.units} 个单位，${result.projects} 个项目，`
      + `${rejected.length} 个文件未采用`
      + (result.roster ? `，未报送 ${result.missing_units.length} 个${result.roster.listed}。` : "。");
  });

  $("report-button").addEventListener("click", async () => {
    const result = await post("/api/report", $("report-button"), "正在生成分析报告……");
    if (!result) return;
    clearResults();
    downloadLink($("report-download"), result.download, `下载 ${result.download.name}`);
    show($("report-result"));
    $("status").textContent = `分析报告（草稿）已生成。${result.roster_note || ""}`;
  });

  // ------------------------------------------------------------------ start

  async function loadInfo() {
    try {
      const response = await fetch("/api/info");
      const info = await response.json();
      limits = info.limits;
      $("limits").textContent = `单个文件不超过 ${limits.max_file_mb} MB；一次最多 ${limits.max_files} 个文件，`
        + `合计不超过 ${limits.max_total_mb} MB。`;
      $("rules").textContent = `${info.rules.replaceAll("\n", "；")}。`;
      show($("token-row"), info.token_required);
      $("version").textContent = `xlmon ${info.version}`;
    } catch (error) {
      alertText(`无法连接服务器：${error.message}`);
    }
    document.body.dataset.ready = "true";
  }

  loadInfo();
})();
