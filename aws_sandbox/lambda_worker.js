// One Lambda execution environment for Node.js handlers, run by the sandbox's runtime.
//
// The same protocol as lambda_worker.py (read its docstring): invocations arrive as JSON lines
// on stdin, answers leave as JSON lines on the fd named by _LAB_LAMBDA_RESPONSE_FD, and the
// handler's console output goes to stdout, closed by PHASE_END before every answer. The handler
// is loaded once (the cold start); console lines and errors are formatted as AWS's runtime does.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const util = require('util');
const { pathToFileURL } = require('url');

const PHASE_END = '\0LAB-LAMBDA-PHASE-END\0\n';
const answerFd = Number(process.env._LAB_LAMBDA_RESPONSE_FD);
delete process.env._LAB_LAMBDA_RESPONSE_FD;
let requestId = undefined; // printed as "undefined" outside an invocation, as on AWS

// Peak resident memory since exec (VmHWM on Linux; maxRSS would count the forking sandbox).
function maxMemoryMb() {
  try {
    const match = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Math.floor(Number(match[1]) / 1024);
  } catch (error) { /* not Linux */ }
  return Math.floor(process.resourceUsage().maxRSS / 1024);
}

function send(message) {
  fs.writeSync(1, PHASE_END); // stdout to a pipe is synchronous on Linux: every line is out
  fs.writeSync(answerFd, JSON.stringify({ ...message, max_memory_mb: maxMemoryMb() }) + '\n');
}

// console.* as AWS prints it: time, request id, level, message (newlines become \r: one event).
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'],
  ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    const text = util.format(...args).replace(/\n/g, '\r');
    fs.writeSync(1, `${new Date().toISOString()}\t${requestId}\t${level}\t${text}\n`);
  };
}

class RuntimeFault extends Error {
  constructor(errorType, message) {
    super(message);
    this.errorType = errorType;
  }
}

function errorPayload(error) {
  if (error instanceof RuntimeFault) {
    return { errorType: error.errorType, errorMessage: error.message, trace: [] };
  }
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

async function loadHandler(name) {
  const root = process.env.LAMBDA_TASK_ROOT;
  const match = /^([^.]*)\.(.*)$/.exec(path.basename(name));
  if (!match) throw new RuntimeFault('Runtime.MalformedHandlerName', 'Bad handler');
  const modulePath = path.join(root, path.dirname(name), match[1]);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modulePath + ext).find((f) => fs.existsSync(f));
  if (!file) throw new RuntimeFault('Runtime.ImportModuleError', `Error: Cannot find module '${match[1]}'`);
  let module;
  try {
    module = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    if (error.code === 'ERR_REQUIRE_ESM') {
      module = await import(pathToFileURL(file).href);
    } else if (error instanceof SyntaxError) {
      throw new RuntimeFault('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`);
    } else {
      throw error;
    }
  }
  const handler = match[2].split('.').reduce((object, key) => (object == null ? undefined : object[key]), module);
  if (handler === undefined) {
    throw new RuntimeFault('Runtime.HandlerNotFound', `${name} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new RuntimeFault('Runtime.HandlerNotFound', `${name} is not a function`);
  }
  return handler;
}

function makeContext(request) {
  const env = process.env;
  return {
    awsRequestId: request.id,
    invokedFunctionArn: request.arn,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: request.client_context ? JSON.parse(request.client_context) : undefined,
    identity: undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline_ms - Date.now()),
  };
}

// An async handler's promise, or a callback-style handler's callback, gives the result.
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

async function invoke(handler, request) {
  requestId = request.id;
  try {
    const result = await runHandler(handler, JSON.parse(request.event), makeContext(request));
    const payload = JSON.stringify(result);
    return { payload: payload === undefined ? 'null' : payload };
  } catch (error) {
    const payload = errorPayload(error);
    console.error('Invoke Error \t' + JSON.stringify(payload));
    return { error: payload };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('close', () => process.exit(0)); // the sandbox went away
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER);
  } catch (error) {
    const payload = errorPayload(error);
    console.error('Init Error \t' + JSON.stringify(payload));
    send({ init: 'error', error: payload });
    process.exit(1);
  }
  send({ init: 'ok' });
  for await (const line of lines) {
    send(await invoke(handler, JSON.parse(line)));
  }
}

main();
