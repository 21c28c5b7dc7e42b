// Completes package-lock.json after `npm install` on a registry that does not
// serve some other platforms' binaries (Biome's and Rollup's): npm leaves them
// out of the lock, and `npm ci` then refuses the lock on every machine. This
// adds each missing entry as npm would write it (version from the parent's
// optionalDependencies, os/cpu/libc from the package name; no integrity, which
// npm does not require). Run: node .ci/complete-lock.mjs package-lock.json
import fs from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(fs.readFileSync(file, "utf8"));
const platform = (name) => {
  const n = name.split("/")[1].replace(/^(cli|rollup)-/, "");
  const [os, arch, abi] = n.split("-");
  const cpu = {
    x64: "x64",
    arm64: "arm64",
    arm: "arm",
    ia32: "ia32",
    loong64: "loong64",
    ppc64: "ppc64",
    riscv64: "riscv64",
    s390x: "s390x",
  }[arch];
  if (!cpu) throw new Error(`no cpu for ${name}`);
  const entry = { os: [os], cpu: [cpu] };
  if (os === "linux") entry.libc = [abi?.startsWith("musl") ? "musl" : "glibc"];
  return entry;
};
let added = 0;
for (const [parentPath, parent] of Object.entries(lock.packages)) {
  if (!/node_modules\/(@biomejs\/biome|rollup)$/.test(parentPath)) continue;
  for (const [name, version] of Object.entries(parent.optionalDependencies ?? {})) {
    if (name === "fsevents") continue;
    const path = `node_modules/${name}`;
    if (lock.packages[path]) continue;
    const p = platform(name);
    const template = Object.entries(lock.packages).find(([k]) =>
      k.startsWith(`node_modules/${name.split("/")[0]}/`),
    )?.[1];
    lock.packages[path] = {
      version,
      cpu: p.cpu,
      dev: true,
      ...(p.libc ? { libc: p.libc } : {}),
      license: template?.license,
      optional: true,
      os: p.os,
      ...(template?.engines ? { engines: template.engines } : {}),
    };
    added++;
  }
}
// npm writes packages sorted by path
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a.localeCompare(b, "en"),
  ),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log("added", added);
