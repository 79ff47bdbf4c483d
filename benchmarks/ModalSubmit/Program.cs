// Submit → sandbox running on the Modal emulator, the C# client against Modal's
// official JS SDK, same image, same machine.
//
// The image is this program's own build output (built and pushed by StepOperator's ImageBuilder to
// an htpasswd registry); both clients create sandboxes from it that run
// `dotnet /app/ModalSubmit.dll sandbox-exit` with cpu 0.5, 256 MB, an environment variable and the
// same tags. The emulator (tests/StepOperator.ModalEmulator, its own process) runs them as containers.
// Each client runs in a process of its own (C#: this program with --client, driving ModalStepOperator.RunAsync,
// the code a [ModalStep] runs through; JS: submit.mjs with modal@0.11.1), submitting sandboxes one after
// another. "Running" is the same for both: the sandbox has a task, i.e. the SandboxGetTaskId call that
// answered with a task id. Submit → running = that call's arrival at the emulator (its request log) minus
// the client's clock just before it started the submission; the first submission of a process also
// gets the app, the registry secret and the image. Runtime start-up (dotnet, node, loading the SDK) is
// excluded from both. Rounds alternate which client goes first; medians.
//
// Usage: dotnet run -c Release --project benchmarks/ModalSubmit [-- --rounds 4] [--count 5] [--what-if] [--no-results]
// --what-if adds two replicas of the C# client's calls (see ReplicaClient.cs): one polling as the product does,
// one waiting server-side for the task, the fix proposed when the goal is missed.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime;
using System.Text;
using System.Text.Json;
using StepOperator;
using StepOperator.Benchmarks.Support;
using StepOperator.Docker;
using StepOperator.Modal;
using StepOperator.Reporting;
using StepOperator.Runs;
using StepOperator.Stacks;

const string BaseImage = "stepoperator/dotnet-runtime:10.0";
const string TokenId = "ak-p5-benchmark";
const string TokenSecret = "as-p5-benchmark";
const string AppName = "stepoperator-p5";
var rounds = 4;
var count = 5;
var writeResults = true;
var client = false;
var replica = false;
var whatIf = false;
var withV1 = false; // both clients with their defaults (SandboxCreateV2 for these GPU-less sandboxes); --with-v1 adds both with MODAL_SANDBOX_V2=false
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "sandbox-exit": return 0; // what the sandboxes run
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-results": writeResults = false; break;
        case "--client": client = true; break;
        case "--no-op": break;
        case "--replica": replica = true; break;
        case "--what-if": whatIf = true; break;
        case "--with-v1": withV1 = true; break;
        case var name when name.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length: options[name[2..]] = args[++i]; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}."); return 2;
    }
}

if (client)
{
    return await CSharpClient.RunAsync(options, count);
}

if (replica)
{
    return await ReplicaClient.RunAsync(options, count);
}

var root = Results.RepositoryRoot;
Results.MarkPressure();
var modalSdk = Path.Combine(root, "tests", "modal-conformance", "node_modules", "modal", "dist", "index.js");
if (!File.Exists(modalSdk))
{
    Console.WriteLine("Installing Modal's JS SDK (npm ci in tests/modal-conformance) ...");
    var install = await Shell.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], workingDirectory: Path.Combine(root, "tests", "modal-conformance"));
    if (install.ExitCode != 0)
    {
        Console.Error.WriteLine($"npm ci failed: {install}");
        return 2;
    }
}

Console.WriteLine("Building the Modal emulator ...");
var emulatorProject = Path.Combine(root, "tests", "StepOperator.ModalEmulator", "StepOperator.ModalEmulator.csproj");
var emulatorBuild = await Shell.RunAsync("dotnet", ["build", emulatorProject, "-c", "Release", "--nologo", "-v", "q"]);
if (emulatorBuild.ExitCode != 0)
{
    Console.Error.WriteLine($"The emulator did not build: {emulatorBuild}");
    return 2;
}

await Shell.ScriptAsync("eng/docker/build-base-image.sh", BaseImage);
using var registry = await TestRegistry.StartAsync();
var self = AppContext.BaseDirectory;
var containerRegistry = new ContainerRegistry(registry.Address, TestRegistry.User, registry.Password, "p5");
var imageRequest = new ImageBuildRequest(self, "ModalSubmit.dll", BaseImage, containerRegistry);
string imageReference;
using (var engine = await StepOperator.Docker.DockerEngine.ConnectAsync(CancellationToken.None))
{
    Console.WriteLine("Building and pushing the sandbox image (this program's build output) ...");
    imageReference = (await new ImageBuilder(engine, _ => { }).EnsureImageAsync(imageRequest, CancellationToken.None)).Reference;
}

// The emulator, as a program of its own.
var emulatorStart = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var argument in new[] { Path.Combine(root, "tests", "StepOperator.ModalEmulator", "bin", "Release", "net10.0", "StepOperator.ModalEmulator.dll"),
             "--port", "0", "--http-port", "0", "--token-id", TokenId, "--token-secret", TokenSecret })
{
    emulatorStart.ArgumentList.Add(argument);
}

using var emulator = Process.Start(emulatorStart)!;
var emulatorLog = new StringBuilder();
emulator.ErrorDataReceived += (_, e) =>
{
    lock (emulatorLog)
    {
        emulatorLog.AppendLine(e.Data);
    }
};
emulator.BeginErrorReadLine();
var ready = JsonDocument.Parse(await emulator.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The emulator did not start.")).RootElement;
var grpcUrl = ready.GetProperty("grpcUrl").GetString()!;
var requestsUrl = ready.GetProperty("requestsUrl").GetString()!;
using var http = new HttpClient();

var modalEnvironment = new Dictionary<string, string?>
{
    ["MODAL_SERVER_URL"] = grpcUrl,
    ["MODAL_TOKEN_ID"] = TokenId,
    ["MODAL_TOKEN_SECRET"] = TokenSecret,
    ["MODAL_ENVIRONMENT"] = null,
    ["MODAL_PROFILE"] = null,
    ["MODAL_CONFIG_PATH"] = "/nonexistent/modal.toml",
    ["MODAL_SANDBOX_V2"] = null,
    ["MODAL_IMAGE_BUILDER_VERSION"] = null,
};

async Task<List<Submission>> RunClientAsync(string which, string prefix, int submissions)
{
    await http.DeleteAsync(requestsUrl);
    ProcessResult run;
    var isJs = which.StartsWith("JS", StringComparison.Ordinal);
    var isProduct = which is "C#" or "C# V1";
    var clientEnvironment = new Dictionary<string, string?>(modalEnvironment)
    {
        // "… V1" and the replicas (which call SandboxCreate themselves): V1; the clients' defaults otherwise (V2 for these sandboxes).
        ["MODAL_SANDBOX_V2"] = which.EndsWith(" V1", StringComparison.Ordinal) || !(isJs || isProduct) ? "false" : null,
    };
    if (!isJs)
    {
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            arguments.Add(typeof(Submission).Assembly.Location);
        }

        if (!isProduct)
        {
            arguments.AddRange(["--replica", "--longpoll", which == "C# long-poll (what-if)" ? "true" : "false", "--image", imageReference]);
        }

        arguments.AddRange([isProduct ? "--client" : "--no-op", "--count", submissions.ToString(CultureInfo.InvariantCulture), "--prefix", prefix, "--registry", registry.Address,
            "--user", TestRegistry.User, "--password", registry.Password, "--app", AppName]);
        run = await Shell.RunAsync(Environment.ProcessPath!, arguments, clientEnvironment, timeout: TimeSpan.FromMinutes(10));
    }
    else
    {
        var environment = new Dictionary<string, string?>(clientEnvironment)
        {
            ["BENCHMARK_MODAL_PATH"] = modalSdk,
            ["BENCHMARK_IMAGE"] = imageReference,
            ["BENCHMARK_REGISTRY_USERNAME"] = TestRegistry.User,
            ["BENCHMARK_REGISTRY_PASSWORD"] = registry.Password,
            ["BENCHMARK_COUNT"] = submissions.ToString(CultureInfo.InvariantCulture),
            ["BENCHMARK_PREFIX"] = prefix,
            ["BENCHMARK_APP"] = AppName,
        };
        run = await Shell.RunAsync("node", [Path.Combine(self, "submit.mjs")], environment, timeout: TimeSpan.FromMinutes(10));
    }

    var results = run.Output.Split('\n').Where(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
        .Select(l => JsonDocument.Parse(l["RESULT ".Length..]).RootElement.Clone()).ToList();
    if (run.ExitCode != 0 || results.Count != submissions)
    {
        throw new InvalidOperationException($"The {which} client failed: {run}");
    }

    // The emulator's record of the requests: when SandboxCreate and the SandboxGetTaskId that found the task arrived.
    var recorded = (await http.GetFromJsonAsync<JsonElement>(requestsUrl)).EnumerateArray().ToList();
    var list = new List<Submission>();
    foreach (var result in results)
    {
        var tag = result.GetProperty("tag").GetString()!;
        var create = recorded.Single(r => r.GetProperty("rpc").GetString() is "SandboxCreate" or "SandboxCreateV2" &&
            r.GetProperty("request").TryGetProperty("tags", out var tags) && tags.EnumerateArray().Any(t => t.GetProperty("tagValue").GetString() == tag));
        var sandboxId = result.GetProperty("sandboxId").GetString()!;
        var polls = recorded.Where(r => r.GetProperty("rpc").GetString() == "SandboxGetTaskId" &&
            r.GetProperty("request").GetProperty("sandboxId").GetString() == sandboxId).ToList();
        var t0 = result.GetProperty("t0").GetDouble();
        double At(JsonElement r) => (DateTimeOffset.Parse(r.GetProperty("receivedAt").GetString()!, CultureInfo.InvariantCulture) - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        // Running: when the client got the answer that the sandbox has a task. For clients that poll without a
        // server-side wait that is the last SandboxGetTaskId's arrival (answered at once); a client that waits
        // server-side (the what-if) reports the answer's return on its own clock.
        // The product (C#) waits server-side too and reports nothing itself: its running is the arrival of its first
        // SandboxGetLogs, which it sends as soon as the answer came (a slight over-estimate).
        var running = which switch
        {
            "C# long-poll (what-if)" => result.GetProperty("ready").GetDouble(),
            "C# V1" => recorded.Where(r => r.GetProperty("rpc").GetString() == "SandboxGetLogs" && r.GetProperty("request").GetProperty("sandboxId").GetString() == sandboxId).Min(At),
            // V2: the create's answer carries the task id, and the emulator cannot see when an answer reaches its client:
            // both clients are running at the first call they send after the create (C#: the command router's
            // SandboxStdioReadV2 or SandboxWaitV2; JS: sb.wait()'s SandboxWaitV2), slightly late for both alike.
            "C#" or "JS" => recorded.Where(r => r.GetProperty("rpc").GetString() is "SandboxStdioReadV2" or "SandboxWaitV2" && At(r) >= At(create)).Min(At),
            _ => polls.Count > 0 ? At(polls.Last()) : At(create),
        };

        // The calls up to SandboxCreate, by arrival after t0 (a repeated RPC gets #2, #3, ...).
        var calls = new List<(string Rpc, double Ms)>();
        foreach (var call in recorded.Where(r => At(r) >= t0 && At(r) <= At(create)).OrderBy(At))
        {
            var name = call.GetProperty("rpc").GetString()!;
            var seen = calls.Count(c => c.Rpc == name || c.Rpc.StartsWith(name + "#", StringComparison.Ordinal));
            calls.Add((seen == 0 ? name : $"{name}#{seen + 1}", At(call) - t0));
        }

        list.Add(new Submission(which, result.GetProperty("n").GetInt32(), sandboxId, running - t0, At(create) - t0, running - At(create), polls.Count,
            result.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() - t0 : double.NaN, calls,
            result.TryGetProperty("jitted", out var j) ? j.GetDouble() : double.NaN, result.TryGetProperty("jitMs", out var jm) ? jm.GetDouble() : double.NaN));
    }

    return list;
}

try
{
    Console.WriteLine($"Emulator at {grpcUrl}; image {imageReference}.");
    Console.WriteLine("Warm-up: one process of each client (the emulator imports the image on the first one) ...");
    await RunClientAsync("C#", "p5-warm-cs", 1);
    await RunClientAsync("JS", "p5-warm-js", 1);
    var all = new List<Submission>();
    var clients = new List<string> { "C#", "JS" };
    clients.AddRange(withV1 ? ["C# V1", "JS V1"] : []);
    clients.AddRange(whatIf ? ["C# replica, polling", "C# long-poll (what-if)"] : []);
    for (var round = 0; round < rounds; round++)
    {
        var order = clients.Skip(round % clients.Count).Concat(clients.Take(round % clients.Count)).ToArray();
        foreach (var which in order)
        {
            var submissions = await RunClientAsync(which, $"p5-r{round}-c{clients.IndexOf(which)}", count);
            all.AddRange(submissions);
            Console.WriteLine($"round {round + 1} {which}: submit → running " + string.Join(", ", submissions.Select(s => $"{s.SubmitToRunningMs:0}")) + " ms" +
                $" (create → running {string.Join(", ", submissions.Select(s => $"{s.CreateToRunningMs:0}"))}; GetTaskId calls {string.Join(", ", submissions.Select(s => s.TaskIdPolls))})");
        }
    }

    double MedianOf(string which, bool cold, Func<Submission, double> value) => Results.Median(all.Where(s => s.Client == which && (s.N == 0) == cold).Select(value));
    var warmRatio = MedianOf("C#", false, s => s.SubmitToRunningMs) / MedianOf("JS", false, s => s.SubmitToRunningMs);
    var coldRatio = MedianOf("C#", true, s => s.SubmitToRunningMs) / MedianOf("JS", true, s => s.SubmitToRunningMs);
    var met = warmRatio <= 1.0 && coldRatio <= 1.0;
    string Row(string label, Func<Submission, double> value, string format = "0") =>
        $"| {label} | {Results.F(MedianOf("C#", true, value), format)} | {Results.F(MedianOf("JS", true, value), format)} | {Results.F(MedianOf("C#", true, value) / MedianOf("JS", true, value))}× | " +
        $"{Results.F(MedianOf("C#", false, value), format)} | {Results.F(MedianOf("JS", false, value), format)} | {Results.F(MedianOf("C#", false, value) / MedianOf("JS", false, value))}× |";

    var report = new StringBuilder();
    report.AppendLine("## Submit → sandbox running on the Modal emulator, C# client vs Modal's JS SDK");
    report.AppendLine();
    report.AppendLine($"Command: `dotnet run -c Release --project benchmarks/ModalSubmit -- --rounds {rounds} --count {count}{(whatIf ? " --what-if" : string.Empty)}{(withV1 ? " --with-v1" : string.Empty)}`  ");
    report.AppendLine($"Machine: {Results.Machine()}, Node.js {NodeVersion()}, modal (JS SDK) {SdkVersion(modalSdk)}; {Results.Revision()}.");
    report.AppendLine();
    report.AppendLine("Both clients create sandboxes from the same image (this benchmark's build output, built and pushed to an htpasswd registry by StepOperator's `ImageBuilder`, " +
        "imported with the registry secret) running `dotnet /app/ModalSubmit.dll sandbox-exit` with cpu 0.5, 256 MB, one environment variable and the same tags, against one " +
        "emulator process (`tests/StepOperator.ModalEmulator`, sandboxes as Docker containers). Both run with their defaults, which create these GPU-less " +
        "sandboxes through `SandboxCreateV2` (answered with the task id and the command router's access)" +
        (withV1 ? "; the rows marked V1 run with `MODAL_SANDBOX_V2=false` (`SandboxCreate`, then a wait for the task)" : string.Empty) + ". " +
        "C#: `ModalStepOperator.RunAsync` (the path a `[ModalStep]` takes: app, image import, then V2: `SandboxCreateV2` with the environment inline, output from the " +
        "command router; V1: the environment secret, `SandboxCreate`, `SandboxGetTaskId` as one server-side wait (`timeout` 55 s, `wait_until_ready`), `SandboxGetLogs`; then the wait). " +
        "JS: `modal.sandboxes.create()` of modal@0.11.1, then `sb.wait()`. " +
        "**Running** = the client knows the sandbox has a task. V2: the create's answer carries it, so for both clients the arrival of the first call " +
        "they send after it (C#: `SandboxStdioReadV2` or `SandboxWaitV2`; JS: `SandboxWaitV2` of `sb.wait()`; slightly late for both alike). V1: JS polls `SandboxGetTaskId` every 500 ms, its last call (answered " +
        "at once with the task id); C# the arrival of its first `SandboxGetLogs`, sent as soon as its held `SandboxGetTaskId` answered. " +
        "**Submit → running** = that arrival in the emulator's request log − the client's clock just before the submission (same machine, same clock). " +
        "*Cold* = the first submission of a client process: it also gets the auth token, the app, the registry secret and the image; for C# its clock starts inside " +
        "`PrepareAsync`, where the product opens the Modal session before a run's steps start, after the image check against the registry (JS is handed the image); " +
        "*warm* = the following ones. " +
        $"Process start-up of each runtime (dotnet, node and loading the SDK) is excluded from both. {rounds} rounds × {count} submissions per client, the client going first alternating; medians, in ms.");
    report.AppendLine();
    report.AppendLine("| median, ms | C# cold | JS cold | C#/JS cold | C# warm | JS warm | C#/JS warm |");
    report.AppendLine("|---|---|---|---|---|---|---|");
    report.AppendLine(Row("**submit → running**", s => s.SubmitToRunningMs));
    report.AppendLine(Row("submit → SandboxCreate received", s => s.SubmitToCreateMs));
    report.AppendLine(Row("SandboxCreate → running", s => s.CreateToRunningMs));
    report.AppendLine(Row("SandboxGetTaskId calls", s => s.TaskIdPolls, "0.0"));
    report.AppendLine($"| C# only: methods JIT-compiled during the submission / JIT time (ms, `JitInfo`) | {Results.F(MedianOf("C#", true, s => s.JittedMethods), "0")} / {Results.F(MedianOf("C#", true, s => s.JitMs), "0")} | | | " +
        $"{Results.F(MedianOf("C#", false, s => s.JittedMethods), "0")} / {Results.F(MedianOf("C#", false, s => s.JitMs), "0")} | | |");
    if (clients.Count > 2)
    {
        report.AppendLine();
        report.AppendLine("Every client measured" + (withV1 ? " (V1: with `MODAL_SANDBOX_V2=false`)" : string.Empty) + (whatIf ? ". Replicas (not the product): the same calls made with the product's `ModalApi`, polling `SandboxGetTaskId` every 500 ms as `ModalStepOperator` did " +
            "before the fix (the earlier product), and with one server-side wait as it does now (`timeout` 55 s and `wait_until_ready`; its *running* is when that answer " +
            "returned, on the client's clock); both open their session inside the timed submission" : string.Empty) + ":");
        report.AppendLine();
        report.AppendLine("| client | submit → running cold | warm | cold / JS | warm / JS |");
        report.AppendLine("|---|---|---|---|---|");
        foreach (var which in clients)
        {
            report.AppendLine($"| {which} | {Results.F(MedianOf(which, true, s => s.SubmitToRunningMs), "0")} | {Results.F(MedianOf(which, false, s => s.SubmitToRunningMs), "0")} | " +
                $"{Results.F(MedianOf(which, true, s => s.SubmitToRunningMs) / MedianOf("JS", true, s => s.SubmitToRunningMs))}× | {Results.F(MedianOf(which, false, s => s.SubmitToRunningMs) / MedianOf("JS", false, s => s.SubmitToRunningMs))}× |");
        }
    }

    report.AppendLine();
    report.AppendLine("The calls each client sends before `SandboxCreate`, with the median time of their arrival after the submission started (ms):");
    report.AppendLine();
    foreach (var which in clients)
    {
        foreach (var cold in new[] { true, false })
        {
            var subset = all.Where(s => s.Client == which && (s.N == 0) == cold).ToList();
            var names = subset.SelectMany(s => s.Calls.Select(c => c.Rpc)).Distinct().ToList();
            var sequence = names.Select(n => (Name: n, Ms: Results.Median(subset.SelectMany(s => s.Calls.Where(c => c.Rpc == n).Select(c => c.Ms)))))
                .OrderBy(c => c.Ms).Select(c => $"{c.Name} {Results.F(c.Ms, "0")}");
            report.AppendLine($"- {which} {(cold ? "cold" : "warm")}: {string.Join(" → ", sequence)}");
        }
    }

    report.AppendLine();
    report.AppendLine($"Goal C#/JS ≤ 1.0× for submit → running: warm **{Results.F(warmRatio)}×**, cold **{Results.F(coldRatio)}×**: **{(met ? "met" : "missed")}**.");
    Results.Publish("ModalSubmit", report, writeResults);

    return met ? 0 : 1;
}
finally
{
    // The image under this run's registry address (built here, pulled again by the emulator) is of no use after it.
    var images = await Shell.RunAsync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    var ours = images.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith(registry.Address + "/", StringComparison.Ordinal)).ToList();
    if (ours.Count > 0)
    {
        await Shell.RunAsync("docker", ["rmi", .. ours]);
    }

    if (!emulator.HasExited)
    {
        using (var term = Process.Start("kill", ["-TERM", emulator.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        if (!emulator.WaitForExit(30_000))
        {
            emulator.Kill(entireProcessTree: true);
        }
    }
}

static string NodeVersion()
{
    var version = Shell.RunAsync("node", ["--version"]).GetAwaiter().GetResult();
    return version.Output.Trim();
}

static string SdkVersion(string indexJs)
{
    var package = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(indexJs)!)!, "package.json");
    return JsonDocument.Parse(File.ReadAllText(package)).RootElement.GetProperty("version").GetString() ?? "?";
}

/// <summary>One sandbox submission, with its times in ms from the client's start of the submission.</summary>
internal sealed record Submission(
    string Client, int N, string SandboxId, double SubmitToRunningMs, double SubmitToCreateMs, double CreateToRunningMs, int TaskIdPolls, double ClientReadyMs, List<(string Rpc, double Ms)> Calls,
    double JittedMethods, double JitMs);

/// <summary>The C# side, in a process of its own: ModalStepOperator.RunAsync, one sandbox after another.</summary>
internal static class CSharpClient
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, int count)
    {
        var prefix = options["prefix"];
        var registry = new ContainerRegistry(options["registry"], options["user"], options["password"], "p5");
        var image = new ImageBuildRequest(AppContext.BaseDirectory, "ModalSubmit.dll", "stepoperator/dotnet-runtime:10.0", registry);
        await using var modal = new ModalStepOperator(new ModalStepOperatorOptions(image, AppName: options["app"]));

        // Per run, not per step: the image (already built and pushed: reused) and the Modal session (auth token, app).
        // The session counts in the first (cold) submission's time, as JS's first create() gets its token and app; the
        // image check does not (JS is handed the image): the cold clock starts when PrepareAsync reports the session
        // it is about to open ("[modal] ..."), right after the image.
        var sessionStart = new SessionStartClock();
        await modal.PrepareAsync(new RunConsole(new PlainRunView(sessionStart, TextWriter.Null)), CancellationToken.None);
        var coldStart = sessionStart.At ?? throw new InvalidOperationException("PrepareAsync did not report the Modal session it opens.");
        var step = new StepDefinition("Sandbox", StepPlacement.Modal, "ModalSubmit.Sandbox", new StepSettings { CpuCount = 0.5, Memory = "256MB", Timeout = 120 });
        var sink = new Sink();
        for (var n = 0; n < count; n++)
        {
            var tag = $"{prefix}-{n}";
            var launch = new StepLaunch(step, prefix, tag, ["sandbox-exit"], new Dictionary<string, string> { ["BENCHMARK_VALUE"] = "benchmark" }, sink);
            var (methods, jitTime) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
            var t0 = n == 0 ? coldStart : (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            var exit = await modal.RunAsync(launch, CancellationToken.None);
            var jitted = JitInfo.GetCompiledMethodCount() - methods;
            var jitMs = (JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds;
            var sandboxId = sink.SandboxId ?? throw new InvalidOperationException("The step operator did not say which sandbox it created.");
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(new { n, tag, sandboxId, t0, exitCode = exit.ExitCode, jitted, jitMs }));
        }

        return 0;
    }

    /// <summary>The time (unix ms) ModalStepOperator.PrepareAsync printed its "[modal] ..." line: the image is ready, the session opens.</summary>
    private sealed class SessionStartClock : TextWriter
    {
        public double? At { get; private set; }

        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            if (At is null && value is not null && value.Contains("[modal] ", StringComparison.Ordinal))
            {
                At = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            }
        }
    }

    /// <summary>Takes the sandbox id from the operator's "sandbox sb-...: resources" line.</summary>
    private sealed class Sink : IStepOutputSink
    {
        public string? SandboxId { get; private set; }

        public void Line(string text, bool isError)
        {
            if (text.StartsWith("sandbox ", StringComparison.Ordinal) && text.IndexOf(':', StringComparison.Ordinal) is > 8 and var colon)
            {
                SandboxId = text[8..colon];
            }
        }
    }
}
