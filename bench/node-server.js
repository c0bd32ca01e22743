// A minimal Node.js custom handler for comparison with `linktome serve --echo`: it parses the same
// invocation envelope, decodes the activity input the same way (Data.Item quoted twice by the host)
// and answers the same body. Usage: node node-server.js [port]  (0 picks a free port; it prints it).
'use strict';
const http = require('http');

const port = Number(process.argv[2] || process.env.FUNCTIONS_CUSTOMHANDLER_PORT || 0);

/** Removes one layer of the host's quoting: a string holding JSON text becomes its value. */
function hostDecoded(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** JSON with object keys sorted, as the Swift writer produces it. */
function sortedJSON(value) {
  if (Array.isArray(value)) return '[' + value.map(sortedJSON).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + sortedJSON(value[k])).join(',') + '}';
  }
  return JSON.stringify(value);
}

function answer(res, status, text) {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/') return answer(res, 200, '{"Status":"ready"}');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url.toLowerCase() !== '/linktomeecho') {
      return answer(res, 404, '{"Error":{"Code":"UnknownFunction"}}');
    }
    let envelope;
    try {
      envelope = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      return answer(res, 400, JSON.stringify({ Error: { Code: 'MalformedEnvelope', Message: String(error) } }));
    }
    if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope) || !envelope.Data) {
      return answer(res, 400, '{"Error":{"Code":"MalformedEnvelope"}}');
    }
    const input = hostDecoded(hostDecoded(envelope.Data.Item));
    answer(res, 200, sortedJSON({ Logs: ['info echo'], Outputs: {}, ReturnValue: input === undefined ? null : input }));
  });
});

server.keepAliveTimeout = 300000;
server.listen(port, '127.0.0.1', () => {
  console.log(`listening http.port=${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
