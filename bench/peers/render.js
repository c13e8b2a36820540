// Peer engines for bench/render.py: one JSON request a line on stdin, one answer a line.
// {"engine", "template", "data", "count", "out"}: renders `count` documents from the template
// (read once, as each engine's users keep it) and answers each render's seconds; the last
// output is written to `out` so the bench can compare its text with Vanthu's.
"use strict";
const fs = require("fs");
const readline = require("readline");
const PizZip = require("pizzip");
const Docxtemplater = require("docxtemplater");

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

const engines = {
  docxtemplater(template, data) {
    const doc = new Docxtemplater(new PizZip(template), { paragraphLoop: true, linebreaks: true });
    doc.render(adapt(data));
    return doc.getZip().generate({ type: "nodebuffer", compression: "DEFLATE" });
  },
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const request = JSON.parse(line);
  const template = fs.readFileSync(request.template);
  const seconds = [];
  let output = null;
  for (let i = 0; i < request.count; i++) {
    const start = process.hrtime.bigint();
    output = engines[request.engine](template, request.data);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  if (request.out) fs.writeFileSync(request.out, output);
  process.stdout.write(JSON.stringify({ seconds }) + "\n");
});
