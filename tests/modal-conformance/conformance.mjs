// Runs the sandbox flow of Modal's official JS SDK (npm `modal`, pinned in package-lock.json)
// against a Modal server, normally the project's emulator (tests/StepOperator.ModalEmulator):
//
//   1. app: apps.fromName(<app>, { createIfMissing: true })
//   2. image: images.fromRegistry(<private tag>, secret with REGISTRY_USERNAME/REGISTRY_PASSWORD)
//   3. a sandbox with a GPU that prints to stdout and stderr and exits with a known code: read both
//      streams, wait for the exit code (the SDK makes sandboxes with a GPU through SandboxCreate, V1)
//   4. the same without a GPU (with its defaults the SDK makes it through SandboxCreateV2, V2, and
//      reads its output through the sandbox's task command router)
//   5. a sleeping sandbox without a GPU (V2): terminate it and wait for its exit code
//
// It prints one JSON summary on stdout (the scenario it ran, what it observed, the mismatches)
// and exits 0 when everything matched, 1 on a mismatch, 2 when the flow failed.
//
// Environment:
//   MODAL_SERVER_URL, MODAL_TOKEN_ID, MODAL_TOKEN_SECRET   read by the SDK (required here)
//   MODAL_SANDBOX_V2                                        read by the SDK; unset (its default: V2
//                                                           for sandboxes without a GPU) unless given
//   CONFORMANCE_IMAGE                                       private registry tag, e.g. 127.0.0.1:5000/x/y:tag
//   CONFORMANCE_REGISTRY_USERNAME, CONFORMANCE_REGISTRY_PASSWORD
//   CONFORMANCE_APP_NAME                                    default "stepoperator-modal-conformance"
//   CONFORMANCE_TIMEOUT_SECONDS                             whole-run limit, default 120

import { readFileSync } from "node:fs";

const env = process.env;

// What the run does; the C# side of the conformance test reads it back from the summary and
// sends the same requests with its own client.
const scenario = {
  appName: env.CONFORMANCE_APP_NAME || "stepoperator-modal-conformance",
  image: env.CONFORMANCE_IMAGE ?? "",
  run: {
    command: [
      "sh",
      "-c",
      'echo "conformance stdout $CONFORMANCE_VALUE"; echo "conformance stderr" >&2; exit 7',
    ],
    env: { CONFORMANCE_VALUE: "from-the-client" },
    cpu: 0.5,
    memoryMiB: 256,
    gpu: "T4",
    timeoutSecs: 120,
    tags: { "stepoperator.run-id": "conformance", "stepoperator.step": "print", "stepoperator.invocation": "1" },
    expectedStdout: "conformance stdout from-the-client\n",
    expectedStderr: "conformance stderr\n",
    expectedExitCode: 7,
  },
  runV2: {
    command: [
      "sh",
      "-c",
      'echo "conformance v2 stdout $CONFORMANCE_VALUE"; echo "conformance v2 stderr" >&2; exit 9',
    ],
    env: { CONFORMANCE_VALUE: "inline-env" },
    cpu: 0.5,
    memoryMiB: 256,
    timeoutSecs: 120,
    tags: { "stepoperator.run-id": "conformance", "stepoperator.step": "print-v2", "stepoperator.invocation": "3" },
    expectedStdout: "conformance v2 stdout inline-env\n",
    expectedStderr: "conformance v2 stderr\n",
    expectedExitCode: 9,
  },
  sleep: {
    command: ["sleep", "600"],
    env: { CONFORMANCE_VALUE: "sleeping" },
    cpu: 0.25,
    memoryMiB: 128,
    timeoutSecs: 600,
    tags: { "stepoperator.run-id": "conformance", "stepoperator.step": "sleep", "stepoperator.invocation": "2" },
    expectedExitCode: 137,
  },
};

const summary = {
  ok: false,
  sdk: sdkVersion(),
  serverUrl: env.MODAL_SERVER_URL ?? null,
  sandboxV2: env.MODAL_SANDBOX_V2 ?? null,
  scenario,
  appId: null,
  imageId: null,
  run: null,
  runV2: null,
  sleep: null,
  mismatches: [],
  error: null,
};

function sdkVersion() {
  try {
    const url = new URL("./node_modules/modal/package.json", import.meta.url);
    return JSON.parse(readFileSync(url, "utf8")).version;
  } catch {
    return null;
  }
}

function expect(what, actual, expected) {
  if (actual !== expected) {
    summary.mismatches.push({ what, expected, actual });
  }
}

function required(name) {
  const value = env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

async function main() {
  for (const name of ["MODAL_SERVER_URL", "MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "CONFORMANCE_IMAGE"]) {
    required(name);
  }
  const username = required("CONFORMANCE_REGISTRY_USERNAME");
  const password = required("CONFORMANCE_REGISTRY_PASSWORD");
  expect("sdk version", summary.sdk, "0.11.1");

  // Imported only now: the SDK reads its configuration (MODAL_*) when it loads and when a client is made.
  const { ModalClient } = await import("modal");
  const modal = new ModalClient();
  try {
    const app = await modal.apps.fromName(scenario.appName, { createIfMissing: true });
    summary.appId = app.appId;

    const registrySecret = await modal.secrets.fromObject({
      REGISTRY_USERNAME: username,
      REGISTRY_PASSWORD: password,
    });
    const image = modal.images.fromRegistry(scenario.image, registrySecret);

    // 1. A sandbox that prints and exits with a known code (with a GPU: V1), 2. the same without a GPU (V2).
    const printing = async (name, r) => {
      const sb = await modal.sandboxes.create(app, image, {
        command: r.command,
        env: r.env,
        cpu: r.cpu,
        memoryMiB: r.memoryMiB,
        gpu: r.gpu,
        timeoutMs: r.timeoutSecs * 1000,
        tags: r.tags,
      });
      summary.imageId = image.imageId;
      const [stdout, stderr, exitCode] = await Promise.all([
        sb.stdout.readText(),
        sb.stderr.readText(),
        sb.wait(),
      ]);
      summary[name] = { sandboxId: sb.sandboxId, stdout, stderr, exitCode };
      expect(`${name} stdout`, stdout, r.expectedStdout);
      expect(`${name} stderr`, stderr, r.expectedStderr);
      expect(`${name} exit code`, exitCode, r.expectedExitCode);
    };
    await printing("run", scenario.run);
    await printing("runV2", scenario.runV2);

    // 3. A sleeping sandbox, terminated.
    const s = scenario.sleep;
    const sleeper = await modal.sandboxes.create(app, image, {
      command: s.command,
      env: s.env,
      cpu: s.cpu,
      memoryMiB: s.memoryMiB,
      timeoutMs: s.timeoutSecs * 1000,
      tags: s.tags,
    });
    const terminatedExit = await sleeper.terminate({ wait: true });
    summary.sleep = { sandboxId: sleeper.sandboxId, exitCode: terminatedExit };
    expect("terminated exit code", terminatedExit, s.expectedExitCode);
  } finally {
    modal.close();
  }
}

const limitSeconds = Number(env.CONFORMANCE_TIMEOUT_SECONDS || 120);
let timer;
const limit = new Promise((_, reject) => {
  timer = setTimeout(() => reject(new Error(`the run took longer than ${limitSeconds}s`)), limitSeconds * 1000);
});

let code;
try {
  await Promise.race([main(), limit]);
  summary.ok = summary.mismatches.length === 0;
  code = summary.ok ? 0 : 1;
} catch (e) {
  summary.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  code = 2;
} finally {
  clearTimeout(timer);
}

process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
// Open gRPC channels or timers of the SDK must not keep the process alive.
process.exit(code);
