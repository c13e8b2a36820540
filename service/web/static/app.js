// Vanthu staff UI: editable lists, confirmations and live job progress. No external code.
(function () {
  "use strict";

  // Editable lists: "+ Thêm dòng" clones the row template, "Xóa" removes a row.
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add]");
    if (add) {
      var list = add.closest("[data-list]");
      var row = list.querySelector("template").content.firstElementChild.cloneNode(true);
      list.querySelector("[data-items]").appendChild(row);
      row.querySelector("textarea, input").focus();
      return;
    }
    var remove = event.target.closest("[data-remove]");
    if (remove) {
      var item = remove.closest(".list-row");
      var items = item.parentElement;
      if (items.children.length > 1) {
        item.remove();
      } else {
        item.querySelector("textarea, input").value = "";
      }
    }
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
          data.documents.forEach(renderDocument);
          document.querySelectorAll("[data-jobs]").forEach(function (tbody) {
            renderJobs(tbody, data.jobs);
          });
          document.querySelectorAll("[data-pending]").forEach(function (node) {
            node.textContent = String(data.pending);
          });
          renderArchive(data.archive);
          document.documentElement.setAttribute("data-pending-jobs", String(data.pending));
          var busy = data.pending > 0 || (data.archive && data.archive.busy) ||
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
