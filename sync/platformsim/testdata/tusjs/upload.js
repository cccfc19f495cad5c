// Uploads one file with the official JavaScript tus client (npm
// tus-js-client, installed by packaging/scripts/install-npm.sh into
// build/npm), as a third-party client of the platform emulator.
// Arguments: endpoint, file, chunk size, metadata as JSON.
// Prints {"url": ..., "offsets": [...]} on success; exits 1 on error.
const fs = require('fs');
const tus = require('tus-js-client');

const [endpoint, file, chunk, meta] = process.argv.slice(2);
const data = fs.readFileSync(file);
const offsets = [];
const up = new tus.Upload(data, {
  endpoint,
  chunkSize: Number(chunk),
  metadata: JSON.parse(meta),
  retryDelays: [0, 10, 50, 200],
  onChunkComplete: (size, sent) => offsets.push(sent),
  onError: (err) => { console.error(String(err)); process.exit(1); },
  onSuccess: () => { console.log(JSON.stringify({ url: up.url, offsets })); },
});
up.start();
