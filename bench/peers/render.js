// Peer engines for bench/render.py: one JSON request a line on stdin, one answer a line.
// {"engine", "template", "data", "count", "out"}: renders `count` documents from the template
// (read once by docxtemplater, as its users keep it; Carbone takes a path and reads it itself)
// and answers each render's seconds; the last output is written to `out` so the bench can
// compare its text with Vanthu's.
"use strict";
const fs = require("fs");
const readline = require("readline");
const PizZip = require("pizzip");
const Docxtemplater = require("docxtemplater");
const carbone = require("carbone");

// What Jinja computes inside KH's tags, computed into the data (see convert.py).
function adapt(data) {
  const signer = data.signer || {};
  return {
    ...data,
    contents: (data.contents || []).map((item) => ({
      ...item,
      first_paragraph: item.paragraphs && item.paragraphs.length ? item.paragraphs[0] : "",
      more_paragraphs: (item.paragraphs || []).slice(1),
    })),
    signer_authority: signer.authority,
    signer_authority_upper: (signer.authority || "").toUpperCase(),
    signer_position_upper: (signer.position || "").toUpperCase(),
    signer_name: signer.name,
  };
}

// Carbone's: each paragraph condition as a list of none or one (`if_…`, `else_…`), each text of
// a list boxed as {v} (Carbone loops over objects), `|upper` left to its `upperCase`.
function boxed(value) {
  if (Array.isArray(value)) {
    return value.map((item) => (typeof item === "string" ? { v: item } : boxed(item)));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, boxed(item)]));
  }
  return value;
}

function adaptCarbone(data) {
  const signer = data.signer || {};
  const contents = (data.contents || []).map((item) => {
    const paragraphs = item.paragraphs || [];
    const full = {
      ...item,
      first_paragraph: paragraphs.length ? paragraphs[0] : "",
      more_paragraphs: paragraphs.slice(1),
    };
    return { ...item, if_run_in: item.run_in ? [full] : [], else_run_in: item.run_in ? [] : [full] };
  });
  return boxed({
    ...data,
    contents,
    if_is_draft: data.is_draft ? [{}] : [],
    if_signer_authority: signer.authority ? [{ signer }] : [],
  });
}

function carboneRender(template, data) {
  return new Promise((resolve, reject) => {
    carbone.render(template, adaptCarbone(data), {}, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

// Each engine: what its users keep of a template (docxtemplater the bytes, read once; Carbone
// its path: `render` reads and unzips it every time), and a render from that.
const engines = {
  docxtemplater: {
    keep: (path) => fs.readFileSync(path),
    render(template, data) {
      const doc = new Docxtemplater(new PizZip(template), { paragraphLoop: true, linebreaks: true });
      doc.render(adapt(data));
      return doc.getZip().generate({ type: "nodebuffer", compression: "DEFLATE" });
    },
  },
  carbone: { keep: (path) => path, render: carboneRender },
};

async function answer(request) {
  const engine = engines[request.engine];
  const template = engine.keep(request.template);
  const seconds = [];
  let output = null;
  for (let i = 0; i < request.count; i++) {
    const start = process.hrtime.bigint();
    output = await engine.render(template, request.data);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  if (request.out) fs.writeFileSync(request.out, output);
  return { seconds };
}

// One request at a time, in order: each is answered before the next is read.
const lines = readline.createInterface({ input: process.stdin });
(async () => {
  for await (const line of lines) {
    process.stdout.write(JSON.stringify(await answer(JSON.parse(line))) + "\n");
  }
})();
