#!/usr/bin/env node
// Runs the bundled CLI that `npm ci` builds (the `prepare` script): dist/bundle/cairn.cjs.
// V8's compiled code for it is kept between runs (vm.Script's cached data), so a later
// start skips compiling it, most of a short command's start-up. Kept per user, in
// $XDG_CACHE_HOME/cairn (~/.cache/cairn), under Node's switches: NODE_COMPILE_CACHE=DIR
// puts it elsewhere, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
//
// A CommonJS file (bin/package.json says so): started as an ES module, Node would first
// load its ES module loader, ~10 ms of CPU that no command needs.
'use strict';
const { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bundle', 'cairn.cjs');
const cacheDir = process.env.NODE_COMPILE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cairn');
// Node 22+ can keep the compiled code of what the bundle loads from node_modules (the
// server's packages). The bundle's own is kept below, at exit, with every function the
// run compiled: with Node's cache for it instead, `cairn validate` took 166 ms on Node 24
// rather than 113 (Node 20 has no such cache at all).
if (typeof Module.enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  // Made here first, private: Node would create it readable by everyone.
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  } catch {}
  Module.enableCompileCache(join(cacheDir, 'node'));
}
runWithCodeCache(bundle);

/** Loads a CommonJS file as require() would, compiled with the code V8 kept last time. */
function runWithCodeCache(file) {
  const { source, stat } = readBundle(file);
  const cache = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : cacheOf(file, stat, cacheDir);
  const kept = cache?.read();
  // The bundle has no import() (scripts/bundle-options.js), which code compiled this way could not run.
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: kept });
  if (cache && (!kept || script.cachedDataRejected)) {
    // At exit, so the kept code includes every function this run compiled, not only the
    // top level: the next run of the same command compiles nothing. Not after a usage
    // error (exit 2): a mistyped command would leave a cache file under its name.
    process.once('exit', (code) => {
      if (code !== 2) cache.write(script.createCachedData());
    });
  }
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  Module._cache[file] = mod;
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
}

/** The bundle's text and its stat, from one open; says how to build it when it is missing. */
function readBundle(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    console.error('cairn: the CLI is not built yet; run `npm run build` (npm ci does it for you).');
    process.exit(2);
  }
  try {
    return { stat: fstatSync(fd), source: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/**
 * One cache file per bundle path, V8 version and command (each command compiles its own
 * functions), headed by the bundle's size, time and inode: a rebuilt bundle replaces its
 * caches instead of piling up new ones. Failures to read or write only cost speed.
 *
 * Cached code runs as this user's code, and V8 checks little more than the source's length,
 * so a file someone else could have written is never read: it must be this user's and
 * writable by no one else. Files are created new (never through an existing path, which
 * could be a planted link), private to the user.
 */
function cacheOf(file, stat, dir) {
  const stamp = Buffer.from(`${stat.size}:${stat.mtimeMs}:${stat.ino}\n`);
  const name = commandName(process.argv.slice(2));
  const path = join(dir, `cairn-${process.versions.v8}-${process.arch}-${hashOf(file)}-${name}.v8`);
  return {
    read() {
      let fd;
      try {
        fd = openSync(path, 'r');
        if (!ownedAndPrivate(fstatSync(fd))) return undefined;
        const data = readFileSync(fd);
        return data.subarray(0, stamp.length).equals(stamp) ? data.subarray(stamp.length) : undefined;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    write(data) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const temporary = `${path}.${process.pid}`;
        writeFileSync(temporary, Buffer.concat([stamp, data]), { flag: 'wx', mode: 0o600 });
        renameSync(temporary, path);
      } catch {
        // a read-only or full disk: the next start compiles again
      }
    },
  };
}

/** The command a run is for (`validate`), past the global options; `cli` when there is none. */
function commandName(args) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--db' || arg === '--config') i++;
    else if (!arg.startsWith('-')) return /^[a-z][a-z-]{0,23}$/.test(arg) ? arg : 'cli';
  }
  return 'cli';
}

/** This user's, and writable by no other (POSIX; Windows keeps no such modes). */
function ownedAndPrivate(stat) {
  if (typeof process.getuid !== 'function') return true;
  return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

/** FNV-1a of a path, as 8 hex digits: names the cache file without loading node:crypto. */
function hashOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
