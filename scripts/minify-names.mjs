// The release wasm's import and export names minified, and its JS glue made to match (Trunk's
// post-build hook runs this, after terser, in the staging folder). wasm-bindgen names each import
// `__wbg_NAME_HASH` (222 of them, some 12 KB of the wasm): `wasm-opt
// --minify-imports-and-exports-and-modules` renames them, and the exports, to a letter or two and
// prints the map, which this applies to the glue. Measured: 3 KB less of the first open, brotli
// (BENCHMARKS.md, "The window").
//
// Every rename must land exactly where the glue uses the name (an import as the key of its one
// object, an export as a property of the instance's exports, the module as the key of the object
// given to the instance), or the build fails here: a glue wasm-bindgen writes otherwise one day
// must not ship half renamed.
//
// Usage: node scripts/minify-names.mjs STAGING_DIR
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const files = readdirSync(dir);
const wasm = files.find((f) => /^zchat-widget-[0-9a-f]+_bg\.wasm$/.test(f));
const glue = files.find((f) => /^zchat-widget-[0-9a-f]+\.js$/.test(f));
if (!wasm || !glue) throw new Error(`minify-names: no wasm or glue in ${dir}: ${files}`);

const out = join(dir, "minified.wasm");
const printed = execFileSync("wasm-opt", [join(dir, wasm), "--minify-imports-and-exports-and-modules", "-o", out], { encoding: "utf8" });
const map = JSON.parse(printed.slice(printed.indexOf("{")));
let text = readFileSync(join(dir, glue), "utf8");

const escape = (s) => s.replace(/[$.*+?^(){}|[\]\\]/g, "\\$&");
// How often `name` stands alone in the glue (not as part of a longer name).
const alone = (name) => (text.match(new RegExp(`(?<![\\w$])${escape(name)}(?![\\w$])`, "g")) || []).length;
// `expected`: how often it must be there (an export the glue never calls may be nowhere).
function replace(pattern, by, name, expected) {
  const found = (text.match(pattern) || []).length;
  const total = alone(name);
  if ((expected !== undefined && found !== expected) || found !== total) {
    throw new Error(`minify-names: "${name}" is where the glue uses it ${found} times, anywhere ${total} times`);
  }
  text = text.replace(pattern, by);
}

// The module's new name, from the minified wasm itself (the map does not say it).
const minified = new WebAssembly.Module(readFileSync(out));
const renamedModules = new Set(WebAssembly.Module.imports(minified).map((i) => i.module));
if (renamedModules.size !== 1) throw new Error(`minify-names: the wasm imports from ${[...renamedModules]}`);
const [renamedModule] = renamedModules;
for (const module of new Set(map.imports.map(([module]) => module))) {
  replace(new RegExp(`"${escape(module)}":`, "g"), `"${renamedModule}":`, module, 1);
}
for (const [, name, renamed] of map.imports) {
  replace(new RegExp(`(?<=[{,])${escape(name)}:`, "g"), `"${renamed}":`, name, 1);
}
// The exports are read off one variable, the instance's (`A=n.exports`): only there.
const holder = /(?<![\w$])([\w$]+)=[\w$]+\.exports(?![\w$])/.exec(text);
if (!holder) throw new Error("minify-names: the glue keeps the instance's exports nowhere this script knows");
for (const [name, renamed] of map.exports) {
  replace(new RegExp(`(?<![\\w$])${escape(holder[1])}\\.${escape(name)}(?![\\w$])`, "g"), `${holder[1]}.${renamed}`, name);
}

// Named by what they now are: Trunk's names hash the files before this step, and a browser keeps
// them a year (immutable), so renamed bytes must not come under a name it may hold already.
const bytes = readFileSync(out);
const hash = createHash("sha256").update(bytes).update(text).digest("hex").slice(0, 16);
const [oldBase, newBase] = [glue.replace(/\.js$/, ""), `zchat-widget-${hash}`];
writeFileSync(join(dir, `${newBase}.js`), text.replaceAll(oldBase, newBase));
writeFileSync(join(dir, `${newBase}_bg.wasm`), bytes);
for (const file of [glue, wasm, "minified.wasm"]) unlinkSync(join(dir, file));
const page = readFileSync(join(dir, "index.html"), "utf8");
if (!page.includes(`${oldBase}.js`) || !page.includes(`${oldBase}_bg.wasm`)) throw new Error("minify-names: index.html names neither file");
writeFileSync(join(dir, "index.html"), page.replaceAll(oldBase, newBase));
console.log(`minify-names: ${map.imports.length} imports, ${map.exports.length} exports renamed; ${oldBase} is now ${newBase}`);
