// Build the verification page's third-party assets into zkproof/page/assets/ (git-ignored):
//   zkproof-page.js   src/page.js + src/format.js + circomlibjs' Poseidon (with ffjavascript),
//                     bundled for the browser by esbuild
//   snarkjs.min.js    snarkjs' own browser build, copied byte for byte
//   THIRD-PARTY.txt   names, versions and licences of the bundled npm packages (GPL-3.0 ones
//                     included: their sources are the pinned npm tarballs)
//   ASSETS.json       provenance: package versions and the SHA-256 of every input and output
// Run by `make page` (after `make tools`): node zkproof/page/build.mjs [NODE_MODULES_DIR]
// Every input is pinned in tools/npm/package.json and package-lock.json, so the output is
// reproducible from a clean `npm ci`.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.resolve(process.argv[2] ?? path.join(here, "..", "..", "tools", "npm", "node_modules"));
const out = path.join(here, "assets");
const require = createRequire(path.join(nodeModules, "noop.js"));
const esbuild = require("esbuild");

const sha = (buf) => createHash("sha256").update(buf).digest("hex");
const pkg = (name) => JSON.parse(readFileSync(path.join(nodeModules, name, "package.json"), "utf8"));

// circomlibjs' package.json exports only its main entry; the page needs one file of it (the
// Poseidon), so deep imports of circomlibjs/src/ resolve to the file itself.
const deepCircomlibjs = {
  name: "circomlibjs-src",
  setup(build) {
    build.onResolve({ filter: /^circomlibjs\/src\// }, (args) => ({ path: path.join(nodeModules, args.path) }));
  },
};

const tmp = `${out}.partial-${process.pid}`;
mkdirSync(tmp, { recursive: true });
const result = await esbuild.build({
  entryPoints: [path.join(here, "src", "page.js")],
  bundle: true, format: "iife", platform: "browser", target: "es2020", minify: true,
  legalComments: "eof", nodePaths: [nodeModules], plugins: [deepCircomlibjs],
  metafile: true, write: false, logLevel: "warning",
  define: { "process.browser": "true" },
});
const pageJs = result.outputFiles[0].contents;
writeFileSync(path.join(tmp, "zkproof-page.js"), pageJs);
const snarkjs = readFileSync(path.join(nodeModules, "snarkjs", "build", "snarkjs.min.js"));
writeFileSync(path.join(tmp, "snarkjs.min.js"), snarkjs);

// Every npm package whose code went into zkproof-page.js, plus snarkjs.
const used = new Set(["snarkjs"]);
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) used.add(m[1]);
}
const packages = [...used].sort().map((name) => {
  const p = pkg(name);
  return { name, version: p.version, license: p.license ?? "see package", repository:
    typeof p.repository === "string" ? p.repository : p.repository?.url ?? "" };
});
const inputs = {};
for (const f of ["src/page.js", "src/format.js"]) inputs[`zkproof/page/${f}`] = sha(readFileSync(path.join(here, f)));
inputs["snarkjs/build/snarkjs.min.js"] = sha(snarkjs);
const third = ["Third-party code in this verification page (zkproof/page/build.mjs, from npm, versions",
  "pinned in tools/npm/package-lock.json). Sources: the npm tarballs of these versions.",
  "GPL-3.0 packages are distributed under the GNU General Public License v3",
  "(https://www.gnu.org/licenses/gpl-3.0.txt); zkproof's own code is MIT.", "",
  ...packages.map((p) => `${p.name}@${p.version}  ${p.license}  ${p.repository}`),
  "", "snarkjs.min.js: snarkjs' own browser build, unmodified.",
  "zkproof-page.js: esbuild bundle of zkproof/page/src/{page,format}.js with the packages above.", ""].join("\n");
writeFileSync(path.join(tmp, "THIRD-PARTY.txt"), third);
const outputs = {};
for (const f of ["zkproof-page.js", "snarkjs.min.js", "THIRD-PARTY.txt"]) outputs[f] = sha(readFileSync(path.join(tmp, f)));
writeFileSync(path.join(tmp, "ASSETS.json"), JSON.stringify({
  format: "zkproof-page-assets/1", esbuild: pkg("esbuild").version, packages, inputs, outputs }, null, 1) + "\n");
if (existsSync(out)) renameSync(out, `${out}.old-${process.pid}`);
renameSync(tmp, out);
const { rmSync } = await import("node:fs");
rmSync(`${out}.old-${process.pid}`, { recursive: true, force: true });
console.log(`wrote ${out}: zkproof-page.js ${pageJs.length} bytes, snarkjs.min.js ${snarkjs.length} bytes`);
