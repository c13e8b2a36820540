// Vanthu staff UI: editable lists, confirmations and live job progress. No external code.
(function () {
  "use strict";


  // Repeated groups (the plan's contents, its indicators): "+ Thêm" adds a row from the
  // template, "Xóa" removes one; rows are renumbered so that their fields are named
  // `<group>.<n>.<field>` in the order shown, and the count tells the server how many there are.
  function renumber(group) {
    var name = group.getAttribute("data-rows");
    var pattern = new RegExp("^" + name + "\\.(\\d+|__i__)\\.");
    function rename(root, i) {
      root.querySelectorAll("[name], [data-name]").forEach(function (node) {
        ["name", "data-name"].forEach(function (attribute) {
          var value = node.getAttribute(attribute);
          if (value && pattern.test(value)) {
            node.setAttribute(attribute, value.replace(pattern, name + "." + i + "."));
          }
        });
      });
      root.querySelectorAll("template").forEach(function (inner) { rename(inner.content, i); });
    }
    var rows = group.querySelector("[data-row-items]").children;
    Array.prototype.forEach.call(rows, function (row, i) {
      rename(row, i);
      var number = row.querySelector("[data-row-number]");
      if (number) { number.textContent = String(i + 1); }
    });
    group.querySelector("[data-row-count]").value = String(rows.length);
    refreshParents(group);
  }

  // An indicator's parent is chosen among the other indicators' keys, as typed now.
  function refreshParents(group) {
    if (!group.hasAttribute("data-indicators")) { return; }
    var rows = Array.prototype.slice.call(group.querySelector("[data-row-items]").children);
    var keys = rows.map(function (row) { return row.querySelector("input[name$='.key']").value.trim(); });
    rows.forEach(function (row, i) {
      var select = row.querySelector("[data-parent]");
      var chosen = select.value;
      select.querySelectorAll("option:not([value=''])").forEach(function (option) { option.remove(); });
      keys.forEach(function (key, j) {
        if (key && j !== i) {
          var option = text("option", key);
          option.value = key;
          select.appendChild(option);
        }
      });
      select.value = keys.indexOf(chosen) >= 0 && keys[i] !== chosen ? chosen : "";
    });
  }

  // "+ Thêm" clones a row from the template, "Xóa" removes one: in one-line lists (the last row
  // is emptied rather than removed) and in repeated groups (renumbered after every change).
  var EDITABLE = [
    { add: "[data-add]", remove: "[data-remove]", owner: "[data-list]", items: "[data-items]",
      row: ".list-row", template: "template", focus: "textarea, input", keepLast: true,
      changed: function () {} },
    { add: "[data-add-row]", remove: "[data-remove-row]", owner: "[data-rows]",
      items: "[data-row-items]", row: "[data-row]", template: ":scope > template",
      focus: "input[type=text], textarea", keepLast: false, changed: renumber }
  ];

  document.addEventListener("click", function (event) {
    EDITABLE.some(function (kind) {
      var add = event.target.closest(kind.add);
      var remove = event.target.closest(kind.remove);
      if (!add && !remove) { return false; }
      var owner = (add || remove).closest(kind.owner);
      if (add) {
        var row = owner.querySelector(kind.template).content.firstElementChild.cloneNode(true);
        owner.querySelector(kind.items).appendChild(row);
        kind.changed(owner);
        row.querySelector(kind.focus).focus();
        return true;
      }
      var item = remove.closest(kind.row);
      if (kind.keepLast && item.parentElement.children.length === 1) {
        item.querySelector(kind.focus).value = "";
      } else {
        item.remove();
      }
      kind.changed(owner);
      return true;
    });
  });

  // Several lines pasted into one item of a list (the plan's "Căn cứ") become one item per
  // line, added after it; the text after the caret stays at the end of the last one.
  document.addEventListener("paste", function (event) {
    var field = event.target;
    if (!field.matches("[data-list] .list-row textarea")) { return; }
    var lines = event.clipboardData.getData("text").split(/\r\n|\r|\n/)
      .map(function (line) { return line.trim(); })
      .filter(function (line) { return line; });
    if (lines.length < 2) { return; }
    event.preventDefault();
    var owner = field.closest("[data-list]");
    var after = field.value.slice(field.selectionEnd);
    field.value = field.value.slice(0, field.selectionStart) + lines[0];
    var row = field.closest(".list-row");
    var last = field;
    lines.slice(1).forEach(function (line) {
      var next = owner.querySelector("template").content.firstElementChild.cloneNode(true);
      last = next.querySelector("textarea");
      last.value = line;
      row.after(next);
      row = next;
    });
    var caret = last.value.length;
    last.value += after;
    last.focus();
    last.setSelectionRange(caret, caret);
  });

  // The plan's paragraphs and list items are as long as the server keeps (`data-text-limit`),
  // also in the rows still to be added from a template.
  document.querySelectorAll("[data-text-limit]").forEach(function (form) {
    var limit = form.getAttribute("data-text-limit");
    (function limitIn(root) {
      root.querySelectorAll("textarea:not([maxlength])").forEach(function (area) {
        area.setAttribute("maxlength", limit);
      });
      root.querySelectorAll("template").forEach(function (inner) { limitIn(inner.content); });
    })(form);
  });

  // While a key is typed, the parts that had it as their parent keep it, and every parent
  // list offers the keys as they now are.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-indicators] input[name$='.key']")) {
      event.target.setAttribute("data-was", event.target.value.trim());
    }
  });
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches("[data-indicators] input[name$='.key']")) { return; }
    var group = input.closest("[data-indicators]");
    var was = input.getAttribute("data-was");
    var now = input.value.trim();
    group.querySelectorAll("[data-parent]").forEach(function (select) {
      if (was && now && select.value === was) {
        var option = text("option", now);
        option.value = now;
        select.appendChild(option);
        select.value = now;
      }
    });
    input.setAttribute("data-was", now);
    refreshParents(group);
  });

  // Steps that cannot be undone ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function renderFiles(container, files) {
    container.replaceChildren();
    ["docx", "pdf"].forEach(function (format) {
      if (!files[format]) { return; }
      var link = text("a", format.toUpperCase());
      link.href = files[format].url;
      link.setAttribute("download", "");
      container.appendChild(link);
    });
  }

  function renderDocument(doc) {
    document.querySelectorAll('[data-doc="' + doc.id + '"]').forEach(function (box) {
      box.querySelectorAll("[data-doc-activity]").forEach(function (node) {
        node.textContent = doc.activity_label;
        node.setAttribute("data-state", doc.activity);
      });
      box.querySelectorAll("[data-doc-activity-copy]").forEach(function (node) {
        node.textContent = doc.activity_label;
      });
      box.querySelectorAll("[data-doc-files]").forEach(function (node) {
        renderFiles(node, doc.files);
      });
      var frame = box.querySelector("[data-doc-preview]");
      var placeholder = box.querySelector("[data-doc-placeholder]");
      if (frame && doc.files.pdf) {
        if (frame.getAttribute("src") !== doc.files.pdf.inline_url) {
          frame.setAttribute("src", doc.files.pdf.inline_url);
        }
        frame.hidden = false;
        if (placeholder) { placeholder.hidden = true; }
      } else if (placeholder && doc.activity !== "busy") {
        placeholder.textContent = doc.pdf_note || doc.activity_label;
      }
    });
  }

  // A document issued after the page was drawn (a notice of the bulk issue) gets its row in
  // the documents table, as the page draws it, before the row of the one that follows it.
  function placeDocument(doc, next) {
    var tbody = document.querySelector("table.docs tbody");
    if (!tbody || tbody.querySelector('[data-doc="' + doc.id + '"]')) { return; }
    var row = document.createElement("tr");
    row.setAttribute("data-doc", String(doc.id));
    var kind = document.createElement("td");
    var link = text("a", doc.kind_label);
    link.href = doc.url;
    kind.appendChild(link);
    var reference = text("td", doc.reference || ("Dự thảo v" + doc.version));
    if (doc.issue_date) {
      reference.appendChild(document.createElement("br"));
      reference.appendChild(text("small", doc.issue_date, "muted"));
    }
    var status = document.createElement("td");
    status.appendChild(text("span", doc.status_label, "badge doc-" + doc.status));
    var work = document.createElement("td");
    var activity = text("span", doc.activity_label, "activity");
    activity.setAttribute("data-doc-activity", "");
    activity.setAttribute("data-state", doc.activity);
    work.appendChild(activity);
    var files = document.createElement("td");
    var links = text("span", "", "files");
    links.setAttribute("data-doc-files", "");
    renderFiles(links, doc.files);
    files.appendChild(links);
    [kind, reference, text("td", doc.about), status, work, files].forEach(function (cell) {
      row.appendChild(cell);
    });
    var before = next ? tbody.querySelector('[data-doc="' + next.id + '"]') : null;
    tbody.insertBefore(row, before);
  }

  function placeDocuments(documents) {
    for (var i = documents.length - 1; i >= 0; i -= 1) {
      placeDocument(documents[i], documents[i + 1]);
    }
  }

  function renderJobs(tbody, jobs) {
    tbody.replaceChildren();
    jobs.forEach(function (job) {
      var row = document.createElement("tr");
      row.appendChild(text("td", String(job.id)));
      row.appendChild(text("td", job.kind));
      row.appendChild(text("td", job.document));
      var state = document.createElement("td");
      state.appendChild(text("span", job.label, "job job-" + job.state));
      if (job.error) {
        state.appendChild(document.createElement("br"));
        state.appendChild(text("small", job.error, "muted"));
      }
      row.appendChild(state);
      row.appendChild(text("td", job.updated));
      tbody.appendChild(row);
    });
  }

  function renderArchive(archive) {
    var box = document.querySelector("[data-archive]");
    if (!box || !archive) { return; }
    var state = box.querySelector("[data-archive-state]");
    state.textContent = archive.label;
    state.setAttribute("data-state", archive.busy ? "busy" : (archive.state === "failed" ? "failed" : "ready"));
    box.querySelector("[data-archive-error]").textContent = archive.error;
    var ready = box.querySelector("[data-archive-ready]");
    if (archive.download) {
      box.querySelector("[data-archive-link]").href = archive.download;
      box.querySelector("[data-archive-file]").textContent =
        archive.filename + " · " + archive.size + " · " + archive.built_at;
      ready.hidden = false;
    }
  }

  function renderIssuing(issuing) {
    var box = document.querySelector("[data-issuing]");
    if (!box || !issuing) { return; }
    var state = box.querySelector("[data-issuing-state]");
    state.textContent = issuing.label;
    state.setAttribute("data-state", issuing.activity);
    var bar = box.querySelector("[data-issuing-bar]");
    bar.max = Math.max(1, issuing.total);
    bar.value = issuing.done;
    box.querySelector("[data-issuing-error]").textContent = issuing.error;
    box.hidden = false;
  }

  // Live progress: poll the campaign's progress.json while any job is queued or running.
  function watch(root) {
    var url = root.getAttribute("data-progress-url");
    var delay = 1500;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          placeDocuments(data.documents);
          data.documents.forEach(renderDocument);
          document.querySelectorAll("[data-jobs]").forEach(function (tbody) {
            renderJobs(tbody, data.jobs);
          });
          document.querySelectorAll("[data-pending]").forEach(function (node) {
            node.textContent = String(data.pending);
          });
          renderArchive(data.archive);
          renderIssuing(data.issuing);
          document.documentElement.setAttribute("data-pending-jobs", String(data.pending));
          var busy = data.pending > 0 || (data.archive && data.archive.busy) ||
            (data.issuing && data.issuing.busy) ||
            data.documents.some(function (d) { return d.activity === "busy"; });
          if (busy) { window.setTimeout(poll, delay); }
        })
        .catch(function () {
          document.documentElement.setAttribute("data-progress-error", "1");
        });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-progress-url]");
    if (root) { watch(root); }
  });
})();
