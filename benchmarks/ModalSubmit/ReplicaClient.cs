using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using StepOperator.Modal;
using StepOperator.Modal.Protocol;

/// <summary>
/// A what-if for the proposed fix, not the product: the calls ModalStepOperator makes for a step
/// (app, registry secret, builder version, image, environment secret, SandboxCreate), sent with the
/// product's ModalApi, then SandboxGetTaskId either polled every 500 ms as ModalStepOperator does
/// (<c>--longpoll false</c>, to show the replica matches the product) or as one server-side wait
/// (<c>timeout</c> 55 s, <c>wait_until_ready</c>; <c>--longpoll true</c>). Prints the same RESULT lines
/// as the other clients, with <c>ready</c> = when the answer with the task id came back (client clock).
/// </summary>
internal static class ReplicaClient
{
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, int count)
    {
        var longPoll = options.TryGetValue("longpoll", out var value) && value == "true";
        var prefix = options["prefix"];
        using var api = new ModalApi(ModalCredentials.Resolve(null, null, null));
        string? appId = null, imageId = null;
        for (var n = 0; n < count; n++)
        {
            var tag = $"{prefix}-{n}";
            var t0 = Now();
            if (n == 0)
            {
                appId = (await api.AppGetOrCreateAsync(new AppGetOrCreateRequest { AppName = options["app"], EnvironmentName = string.Empty, ObjectCreationType = ObjectCreationType.CreateIfMissing }, CancellationToken.None)).AppId;
                var secret = await api.SecretGetOrCreateAsync(new SecretGetOrCreateRequest
                {
                    ObjectCreationType = ObjectCreationType.Ephemeral,
                    EnvironmentName = string.Empty,
                    EnvDict = { ["REGISTRY_USERNAME"] = options["user"], ["REGISTRY_PASSWORD"] = options["password"] },
                }, CancellationToken.None);
                var builder = await api.EnvironmentGetOrCreateAsync(new EnvironmentGetOrCreateRequest { DeploymentName = string.Empty }, CancellationToken.None);
                var created = await api.ImageGetOrCreateAsync(new ImageGetOrCreateRequest
                {
                    AppId = appId,
                    Image = new Image
                    {
                        DockerfileCommands = { $"FROM {options["image"]}" },
                        ImageRegistryConfig = new ImageRegistryConfig { RegistryAuthType = RegistryAuthType.StaticCreds, SecretId = secret.SecretId },
                    },
                    BuilderVersion = builder.Metadata?.Settings?.ImageBuilderVersion ?? string.Empty,
                }, CancellationToken.None);
                if (created.Result is null)
                {
                    await FollowBuildAsync(api, created.ImageId);
                }

                imageId = created.ImageId;
            }

            var environment = await api.SecretGetOrCreateAsync(new SecretGetOrCreateRequest
            {
                ObjectCreationType = ObjectCreationType.Ephemeral,
                EnvironmentName = string.Empty,
                EnvDict = { ["BENCHMARK_VALUE"] = "benchmark" },
            }, CancellationToken.None);
            var sandbox = new Sandbox
            {
                ImageId = imageId,
                SecretIds = { environment.SecretId },
                Resources = new Resources { MilliCpu = 500, MemoryMb = 256, GpuConfig = new GPUConfig() },
                TimeoutSecs = 120,
                NetworkAccess = new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Open },
                CloudProviderStr = string.Empty,
                EntrypointArgs = { "dotnet", "/app/ModalSubmit.dll", "sandbox-exit" },
            };
            var request = new SandboxCreateRequest
            {
                AppId = appId,
                Definition = sandbox,
                Tags =
                {
                    new SandboxTag { TagName = "stepoperator.run-id", TagValue = prefix },
                    new SandboxTag { TagName = "stepoperator.step", TagValue = "Sandbox" },
                    new SandboxTag { TagName = "stepoperator.invocation", TagValue = tag },
                },
            };
            var sandboxId = (await api.SandboxCreateAsync(request, CancellationToken.None)).SandboxId;
            while (true)
            {
                var answer = await api.SandboxGetTaskIdAsync(
                    longPoll ? new SandboxGetTaskIdRequest { SandboxId = sandboxId, Timeout = 55, WaitUntilReady = true } : new SandboxGetTaskIdRequest { SandboxId = sandboxId },
                    CancellationToken.None);
                if (answer.HasTaskId || answer.TaskResult is not null)
                {
                    break;
                }

                if (!longPoll)
                {
                    await Task.Delay(500);
                }
            }

            var ready = Now();
            while ((await api.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 10 }, CancellationToken.None)).Result is null)
            {
            }

            Console.WriteLine("RESULT " + JsonSerializer.Serialize(new { n, tag, sandboxId, t0, ready }));
        }

        return 0;
    }

    private static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    private static async Task FollowBuildAsync(ModalApi api, string imageId)
    {
        var last = string.Empty;
        while (true)
        {
            using var stream = api.Client.ImageJoinStreaming(new ImageJoinStreamingRequest { ImageId = imageId, Timeout = 55, LastEntryId = last },
                new CallOptions(await api.HeadersAsync(CancellationToken.None)));
            while (await stream.ResponseStream.MoveNext(CancellationToken.None))
            {
                var item = stream.ResponseStream.Current;
                last = item.EntryId.Length > 0 ? item.EntryId : last;
                if (item.Result is { Status: not GenericResult.Types.GenericStatus.Unspecified })
                {
                    return;
                }
            }
        }
    }
}
