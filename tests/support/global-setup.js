// Tests that start the server as a child process (crash safety) run the compiled build: make sure it is fresh.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : entry.name.endsWith('.ts') ? fs.statSync(full).mtimeMs : 0);
  }
  return latest;
}

module.exports = async () => {
  const root = path.resolve(__dirname, '..', '..');
  const entry = path.join(root, 'dist', 'src', 'main.js');
  // The scripts (npm run replay, seed, api-key) are compiled beside the server, and run by tests too.
  const sources = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'scripts')));
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= sources) return;
  execSync('npx tsc -p tsconfig.build.json', { cwd: root, stdio: 'inherit' });
};
