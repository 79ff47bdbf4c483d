using System.Collections.Concurrent;
using System.Text.Json;
using StepOperator.ModalEmulator;
using StepOperator.ModalEmulator.Sandboxes;
using StepOperator.Modal;
using Xunit.Abstractions;
using Emulator = StepOperator.ModalEmulator.ModalEmulator;

namespace StepOperator.ModalConformance.Tests;

/// <summary>
/// Modal's official JS SDK (npm modal 0.11.1, tests/modal-conformance, with its defaults: V2 sandboxes
/// for those without a GPU) and the C# client do the same operations, each against its own emulator
/// (so both meet the same server state: in one emulator the second import of the same image would
/// find the first one's finished build). Each must see the sandboxes behave as expected, and the
/// requests the emulators recorded must agree field by field on every field both clients set. The C#
/// client makes every sandbox with SandboxCreate (V1): a JS V2 call is paired with the C# client's V1
/// call of the same message (SandboxCreateV2's definition with SandboxCreate's, SandboxWaitV2 with
/// SandboxWait, ...), and each sandbox's environment (inline for V2, an ephemeral secret for V1) is
/// compared as the emulators ran it.
/// </summary>
public sealed class JsSdkConformanceTests(PrivateRegistryFixture registry, ITestOutputHelper output) : IClassFixture<PrivateRegistryFixture>
{
    private const string TokenId = "ak-conformance";
    private const string TokenSecret = "as-conformance";
    private const string JsClient = "JS SDK";
    private const string CSharpClient = "C# client";

    /// <summary>The RPCs the comparison must have pairs of; ImageJoinStreaming too when both followed a build.</summary>
    private static readonly string[] ComparedRpcs =
    [
        ModalRpc.AuthTokenGet, ModalRpc.AppGetOrCreate, ModalRpc.EnvironmentGetOrCreate, ModalRpc.SecretGetOrCreate, ModalRpc.ImageGetOrCreate,
        ModalRpc.SandboxCreate, ModalRpc.SandboxGetTaskId, ModalRpc.SandboxGetLogs, ModalRpc.SandboxWait, ModalRpc.SandboxTerminate,
    ];

    [ConformanceFact]
    public async Task The_JS_SDK_and_the_CSharp_client_send_the_same_requests_for_the_same_operations()
    {
        await JsSdkRun.InstallAsync(TimeSpan.FromMinutes(5)); // npm ci from the lockfile, once, when node_modules is missing
        var emulatorLog = new ConcurrentQueue<string>();
        var noConfig = Path.Combine(Path.GetTempPath(), $"modal-conformance-{Guid.NewGuid():N}.toml"); // never created: no profile applies
        try
        {
            // 1. The JS SDK.
            await using var jsModal = await Emulator.StartAsync(Options(emulatorLog, "js"));
            var js = await JsSdkRun.RunAsync(new Dictionary<string, string?>
            {
                ["MODAL_SERVER_URL"] = ServerUrl(jsModal),
                ["MODAL_TOKEN_ID"] = TokenId,
                ["MODAL_TOKEN_SECRET"] = TokenSecret,
                ["MODAL_CONFIG_PATH"] = noConfig,
                ["CONFORMANCE_IMAGE"] = registry.PrivateImage,
                ["CONFORMANCE_REGISTRY_USERNAME"] = registry.User,
                ["CONFORMANCE_REGISTRY_PASSWORD"] = registry.Password,
                ["CONFORMANCE_TIMEOUT_SECONDS"] = "75",
            }, TimeSpan.FromSeconds(90));
            output.WriteLine(js.Describe());
            Assert.True(js.ExitCode == 0 && js.Summary is not null, "The JS SDK run failed: " + js.Describe());
            var summary = js.Summary!.Value;
            Assert.True(summary.GetProperty("ok").GetBoolean(), js.Describe());
            Assert.Equal("0.11.1", summary.GetProperty("sdk").GetString());
            var scenario = summary.GetProperty("scenario");
            Assert.Equal(JsonValueKind.Null, summary.GetProperty("sandboxV2").ValueKind); // the SDK's default
            var runScenario = scenario.GetProperty("run");
            var runV2Scenario = scenario.GetProperty("runV2");
            var sleepScenario = scenario.GetProperty("sleep");
            foreach (var name in new[] { "run", "runV2" })
            {
                Assert.Equal(scenario.GetProperty(name).GetProperty("expectedStdout").GetString(), summary.GetProperty(name).GetProperty("stdout").GetString());
                Assert.Equal(scenario.GetProperty(name).GetProperty("expectedStderr").GetString(), summary.GetProperty(name).GetProperty("stderr").GetString());
                Assert.Equal(scenario.GetProperty(name).GetProperty("expectedExitCode").GetInt32(), summary.GetProperty(name).GetProperty("exitCode").GetInt32());
            }

            Assert.Equal(sleepScenario.GetProperty("expectedExitCode").GetInt32(), summary.GetProperty("sleep").GetProperty("exitCode").GetInt32());
            var jsRequests = jsModal.Requests.Select(ObservedRequest.From).ToList();
            var jsSandboxes = new Dictionary<string, string>
            {
                [summary.GetProperty("run").GetProperty("sandboxId").GetString()!] = "print sandbox",
                [summary.GetProperty("runV2").GetProperty("sandboxId").GetString()!] = "GPU-less print sandbox",
                [summary.GetProperty("sleep").GetProperty("sandboxId").GetString()!] = "sleeping sandbox",
            };

            // With its defaults the SDK made the sandboxes without a GPU as V2 sandboxes and read their output through the router.
            Assert.Equal(
                [SandboxVersion.V1, SandboxVersion.V2, SandboxVersion.V2],
                jsSandboxes.Keys.Select(id => jsModal.Sandboxes.Single(s => s.SandboxId == id).Version));
            Assert.Equal(2, jsModal.RequestsFor(ModalRpc.SandboxCreateV2).Count);
            Assert.Contains(jsModal.Requests, r => r.Rpc == ModalRpc.SandboxStdioReadV2 && r.Served);

            // 2. The C# client, the same operations with the same names and values.
            await using var csModal = await Emulator.StartAsync(Options(emulatorLog, "c#"));
            var credentials = ModalCredentials.Resolve(TokenId, TokenSecret, ServerUrl(csModal),
                variables: name => name == "MODAL_CONFIG_PATH" ? noConfig : null);
            using var api = new ModalApi(credentials);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(75));
            var client = new CSharpClientRun(api, credentials.Environment ?? string.Empty);
            await client.GetOrCreateAppAsync(scenario.GetProperty("appName").GetString()!, limit.Token);
            await client.ImportImageAsync(scenario.GetProperty("image").GetString()!, registry.User, registry.Password, limit.Token);
            var run = await client.RunAsync(SandboxScenario.From(runScenario), limit.Token);
            var runV2 = await client.RunAsync(SandboxScenario.From(runV2Scenario), limit.Token);
            var sleep = await client.RunAndTerminateAsync(SandboxScenario.From(sleepScenario), limit.Token);
            output.WriteLine($"C# client: print sandbox {run}; GPU-less print sandbox {runV2}; sleeping sandbox {sleep}");
            foreach (var (outcome, expected) in new[] { (run, runScenario), (runV2, runV2Scenario) })
            {
                Assert.Equal(expected.GetProperty("expectedStdout").GetString(), outcome.Stdout);
                Assert.Equal(expected.GetProperty("expectedStderr").GetString(), outcome.Stderr);
                Assert.Equal(expected.GetProperty("expectedExitCode").GetInt32(), outcome.ExitCode);
            }

            Assert.Equal(sleepScenario.GetProperty("expectedExitCode").GetInt32(), sleep.ExitCode);
            var csRequests = csModal.Requests.Select(ObservedRequest.From).ToList();
            var csSandboxes = new Dictionary<string, string> { [run.SandboxId] = "print sandbox", [runV2.SandboxId] = "GPU-less print sandbox", [sleep.SandboxId] = "sleeping sandbox" };

            // Each sandbox ran with the same environment, however the client sent it (inline for V2, a secret for V1).
            foreach (var (id, role) in jsSandboxes)
            {
                var csId = csSandboxes.Single(s => s.Value == role).Key;
                Assert.Equal(
                    jsModal.Sandboxes.Single(s => s.SandboxId == id).Environment.OrderBy(e => e.Key),
                    csModal.Sandboxes.Single(s => s.SandboxId == csId).Environment.OrderBy(e => e.Key));
            }

            // 3. The requests, RPC by RPC.
            var comparison = RequestComparison.Compare(JsClient, jsRequests, jsSandboxes, CSharpClient, csRequests, csSandboxes);
            var report = comparison.Report();
            output.WriteLine(report);
            var paired = comparison.Pairs.Select(p => p.Split(' ')[0]).ToHashSet();
            Assert.True(ComparedRpcs.All(paired.Contains), $"Some RPCs were not compared (missing: {string.Join(", ", ComparedRpcs.Where(r => !paired.Contains(r)))}).\n{report}");

            // The V2 creates were compared with the C# client's V1 creates (the definitions field by field), and the V2 wait and terminate too.
            Assert.Contains("SandboxCreate #2", comparison.CrossVersionPairs);
            Assert.Contains("SandboxCreate #3", comparison.CrossVersionPairs);
            Assert.Contains(comparison.CrossVersionPairs, p => p.StartsWith("SandboxTerminate (sleeping sandbox)", StringComparison.Ordinal));
            Assert.Contains(comparison.CrossVersionPairs, p => p.StartsWith("SandboxWait (GPU-less print sandbox)", StringComparison.Ordinal));
            Assert.Contains("definition.entrypoint_args", comparison.ComparedFields["SandboxCreate"]);
            Assert.True(comparison.Differences.Count == 0, $"The C# client's requests differ from the JS SDK's:\n{report}");
        }
        finally
        {
            output.WriteLine("Emulator log:\n  " + string.Join("\n  ", emulatorLog));
        }
    }

    private static ModalEmulatorOptions Options(ConcurrentQueue<string> log, string name) => new()
    {
        TokenId = TokenId,
        TokenSecret = TokenSecret,
        Log = line => log.Enqueue($"[{name}] {line}"),
    };

    private static string ServerUrl(Emulator emulator) => emulator.Url.ToString().TrimEnd('/');
}
