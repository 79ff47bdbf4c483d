// ModalSubmit's JS side: Modal's official JS SDK (npm `modal`, the copy pinned in tests/modal-conformance)
// submits sandboxes to a Modal server (the emulator) one after another, as
// benchmarks/ModalSubmit's C# side does with ModalStepOperator, and prints one line per sandbox:
//   RESULT {"n":0,"tag":"...","t0":<unix ms>,"ready":<unix ms>}
// t0: just before the submission starts (the first also gets the app, the registry secret and the
// image, as the C# client's first step call does); ready: when sandboxes.create() returned, which it
// does once the sandbox has a task (V1: the SDK polls SandboxGetTaskId every 500 ms until then; V2: the create's answer has it).
// Each sandbox is then waited for to its end before the next is submitted.
//
// Environment: MODAL_SERVER_URL, MODAL_TOKEN_ID, MODAL_TOKEN_SECRET (read by the SDK),
// BENCHMARK_MODAL_PATH (the SDK's dist/index.js), BENCHMARK_IMAGE, BENCHMARK_REGISTRY_USERNAME, BENCHMARK_REGISTRY_PASSWORD,
// BENCHMARK_COUNT, BENCHMARK_PREFIX, BENCHMARK_APP.

import { pathToFileURL } from "node:url";

const env = process.env;
// MODAL_SANDBOX_V2 as Program.cs sets it: unset (the SDK's default, SandboxCreateV2 for these GPU-less sandboxes) or "false".

const now = () => performance.timeOrigin + performance.now();
const { ModalClient } = await import(pathToFileURL(env.BENCHMARK_MODAL_PATH).href);
const modal = new ModalClient();
const count = Number(env.BENCHMARK_COUNT || "5");
let app, image;
try {
  for (let n = 0; n < count; n++) {
    const tag = `${env.BENCHMARK_PREFIX}-${n}`;
    const t0 = now();
    if (n === 0) {
      app = await modal.apps.fromName(env.BENCHMARK_APP, { createIfMissing: true });
      const secret = await modal.secrets.fromObject({
        REGISTRY_USERNAME: env.BENCHMARK_REGISTRY_USERNAME,
        REGISTRY_PASSWORD: env.BENCHMARK_REGISTRY_PASSWORD,
      });
      image = modal.images.fromRegistry(env.BENCHMARK_IMAGE, secret);
    }
    const sb = await modal.sandboxes.create(app, image, {
      command: ["dotnet", "/app/ModalSubmit.dll", "sandbox-exit"],
      env: { BENCHMARK_VALUE: "benchmark" },
      cpu: 0.5,
      memoryMiB: 256,
      timeoutMs: 120_000,
      tags: { "stepoperator.run-id": env.BENCHMARK_PREFIX, "stepoperator.step": "Sandbox", "stepoperator.invocation": tag },
    });
    const ready = now();
    const exitCode = await sb.wait();
    process.stdout.write(`RESULT ${JSON.stringify({ n, tag, sandboxId: sb.sandboxId, t0, ready, exitCode })}\n`);
  }
} finally {
  modal.close();
}
process.exit(0);
