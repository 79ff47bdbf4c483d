using System.Text;
using System.Text.Json;
using Grpc.Core;
using StepOperator.Rules;
using StepOperator.Modal;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalConformance.Tests;

/// <summary>One sandbox of the scenario conformance.mjs ran (it prints the scenario in its summary).</summary>
internal sealed record SandboxScenario(
    IReadOnlyList<string> Command,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    double Cpu,
    int MemoryMiB,
    string? Gpu,
    int TimeoutSecs,
    IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    public static SandboxScenario From(JsonElement json) => new(
        json.GetProperty("command").EnumerateArray().Select(a => a.GetString()!).ToArray(),
        Pairs(json, "env"),
        json.GetProperty("cpu").GetDouble(),
        json.GetProperty("memoryMiB").GetInt32(),
        json.TryGetProperty("gpu", out var gpu) && gpu.ValueKind == JsonValueKind.String ? gpu.GetString() : null,
        json.GetProperty("timeoutSecs").GetInt32(),
        Pairs(json, "tags"));

    private static KeyValuePair<string, string>[] Pairs(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)).ToArray()
            : [];
}

/// <summary>What a client observed of one sandbox.</summary>
internal sealed record SandboxOutcome(string SandboxId, string Stdout, string Stderr, int ExitCode);

/// <summary>
/// The scenario of conformance.mjs done with the C# client: <see cref="ModalApi"/> with the requests
/// built as <see cref="ModalStepOperator"/> builds them (its steps are private, so they are repeated
/// here call for call): app get-or-create in the environment; the registry credentials as an
/// ephemeral secret, EnvironmentGetOrCreate for the builder version, ImageGetOrCreate for
/// "FROM &lt;tag&gt;" with STATIC_CREDS, ImageJoinStreaming until the build's result; per sandbox the
/// environment as an ephemeral secret, SandboxCreate (resources through the same resource rules),
/// SandboxGetTaskId (a server-side wait) until scheduled, SandboxGetLogs for stdout and stderr beside a SandboxWait
/// long poll; SandboxTerminate for the sleeping one (then SandboxWait for its exit code, as the JS
/// SDK's terminate({ wait: true }) does).
/// </summary>
internal sealed class CSharpClientRun(ModalApi api, string environment)
{
    public string AppId { get; private set; } = string.Empty;

    public string ImageId { get; private set; } = string.Empty;

    public async Task<string> GetOrCreateAppAsync(string appName, CancellationToken cancellationToken)
    {
        var response = await api.AppGetOrCreateAsync(new AppGetOrCreateRequest
        {
            AppName = appName,
            EnvironmentName = environment,
            ObjectCreationType = ObjectCreationType.CreateIfMissing,
        }, cancellationToken);
        return AppId = response.AppId;
    }

    public async Task<string> ImportImageAsync(string reference, string username, string password, CancellationToken cancellationToken)
    {
        var image = new Image { DockerfileCommands = { $"FROM {reference}" } };
        var secret = await api.SecretGetOrCreateAsync(new SecretGetOrCreateRequest
        {
            ObjectCreationType = ObjectCreationType.Ephemeral,
            EnvironmentName = environment,
            EnvDict = { ["REGISTRY_USERNAME"] = username, ["REGISTRY_PASSWORD"] = password },
        }, cancellationToken);
        image.ImageRegistryConfig = new ImageRegistryConfig { RegistryAuthType = RegistryAuthType.StaticCreds, SecretId = secret.SecretId };

        var builder = await api.EnvironmentGetOrCreateAsync(new EnvironmentGetOrCreateRequest { DeploymentName = environment }, cancellationToken);
        var created = await api.ImageGetOrCreateAsync(new ImageGetOrCreateRequest
        {
            AppId = AppId,
            Image = image,
            BuilderVersion = builder.Metadata?.Settings?.ImageBuilderVersion ?? string.Empty,
            ForceBuild = false, // the step operator's PreventBuildReuse, off by default
        }, cancellationToken);

        var result = created.Result ?? await FollowImageBuildAsync(created.ImageId, cancellationToken);
        if (result.Status != GenericStatus.Success)
        {
            throw new InvalidOperationException($"The C# client could not import {reference} ({result.Status}): {result.Exception}");
        }

        return ImageId = created.ImageId;
    }

    /// <summary>Runs a sandbox to its end: output of both streams and the exit code.</summary>
    public async Task<SandboxOutcome> RunAsync(SandboxScenario scenario, CancellationToken cancellationToken)
    {
        var sandboxId = await CreateSandboxAsync(scenario, cancellationToken);
        await WaitForTaskAsync(sandboxId, cancellationToken);
        using var logsStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stdout = FollowLogsAsync(sandboxId, FileDescriptor.Stdout, logsStop.Token);
        var stderr = FollowLogsAsync(sandboxId, FileDescriptor.Stderr, logsStop.Token);
        var result = await WaitAsync(sandboxId, cancellationToken);
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        }
        catch (TimeoutException)
        {
            await logsStop.CancelAsync();
        }

        return new SandboxOutcome(sandboxId, Text(stdout), Text(stderr), ExitCodeOf(result));

        static string Text(Task<string> logs) => logs.IsCompletedSuccessfully ? logs.Result : "<the log stream did not end>";
    }

    /// <summary>Starts a sandbox, waits until it is scheduled, terminates it and waits for its exit code.</summary>
    public async Task<SandboxOutcome> RunAndTerminateAsync(SandboxScenario scenario, CancellationToken cancellationToken)
    {
        var sandboxId = await CreateSandboxAsync(scenario, cancellationToken);
        await WaitForTaskAsync(sandboxId, cancellationToken);
        await api.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = sandboxId }, cancellationToken);
        var result = await WaitAsync(sandboxId, cancellationToken);
        return new SandboxOutcome(sandboxId, string.Empty, string.Empty, ExitCodeOf(result));
    }

    private async Task<string> CreateSandboxAsync(SandboxScenario scenario, CancellationToken cancellationToken)
    {
        var environmentSecret = await api.SecretGetOrCreateAsync(new SecretGetOrCreateRequest
        {
            ObjectCreationType = ObjectCreationType.Ephemeral,
            EnvironmentName = environment,
            EnvDict = { scenario.Env.ToDictionary(pair => pair.Key, pair => pair.Value) },
        }, cancellationToken);

        var request = new SandboxCreateRequest
        {
            AppId = AppId,
            Definition = SandboxFor(scenario, ImageId, environmentSecret.SecretId),
        };
        request.Tags.AddRange(scenario.Tags.Select(tag => new SandboxTag { TagName = tag.Key, TagValue = tag.Value }));
        return (await api.SandboxCreateAsync(request, cancellationToken)).SandboxId;
    }

    /// <summary>As ModalStepOperator.SandboxFor, from the step settings the scenario stands for.</summary>
    private static Sandbox SandboxFor(SandboxScenario scenario, string imageId, string secretId)
    {
        var resources = new Resources { MilliCpu = ResourceRules.MilliCpu(scenario.Cpu) };

        // The step operator takes memory as text and converts it to decimal megabytes (following ZenML,
        // docs/diagnostics/SOP003.md), so "<N>MB" is the setting whose memory_mb is the JS SDK's memoryMiB N.
        if (MemorySize.TryToMegabytes($"{scenario.MemoryMiB}MB", out var megabytes, out _))
        {
            resources.MemoryMb = (uint)megabytes;
        }

        var gpus = ResourceRules.EffectiveGpuCount(scenario.Gpu, null);
        resources.GpuConfig = gpus > 0
            ? new GPUConfig { Type = GPUType.Unspecified, Count = (uint)gpus, GpuType = scenario.Gpu!.ToUpperInvariant() }
            : new GPUConfig();

        var sandbox = new Sandbox
        {
            ImageId = imageId,
            SecretIds = { secretId },
            Resources = resources,
            TimeoutSecs = (uint)scenario.TimeoutSecs,
            NetworkAccess = new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Open },
            CloudProviderStr = string.Empty,
        };
        sandbox.EntrypointArgs.AddRange(scenario.Command);
        return sandbox;
    }

    private async Task<GenericResult> FollowImageBuildAsync(string imageId, CancellationToken cancellationToken)
    {
        var lastEntry = string.Empty;
        while (true)
        {
            using var stream = api.Client.ImageJoinStreaming(
                new ImageJoinStreamingRequest { ImageId = imageId, Timeout = 55, LastEntryId = lastEntry },
                new CallOptions(await api.HeadersAsync(cancellationToken), cancellationToken: cancellationToken));
            while (await stream.ResponseStream.MoveNext(cancellationToken))
            {
                var item = stream.ResponseStream.Current;
                if (item.EntryId.Length > 0)
                {
                    lastEntry = item.EntryId;
                }

                if (item.Result is { Status: not GenericStatus.Unspecified } result)
                {
                    return result;
                }
            }
        }
    }

    private async Task WaitForTaskAsync(string sandboxId, CancellationToken cancellationToken)
    {
        // As ModalStepOperator does: one server-side wait per call instead of the JS SDK's 500 ms polling.
        while (true)
        {
            var response = await api.SandboxGetTaskIdAsync(
                new SandboxGetTaskIdRequest { SandboxId = sandboxId, Timeout = ModalStepOperator.TaskWaitSeconds, WaitUntilReady = true }, cancellationToken);
            if (response.HasTaskId || response.TaskResult is not null)
            {
                return;
            }
        }
    }

    private async Task<string> FollowLogsAsync(string sandboxId, FileDescriptor descriptor, CancellationToken cancellationToken)
    {
        var lastEntry = "0-0";
        var text = new StringBuilder();
        while (!cancellationToken.IsCancellationRequested)
        {
            using var stream = api.Client.SandboxGetLogs(
                new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = descriptor, Timeout = 55, LastEntryId = lastEntry },
                new CallOptions(await api.HeadersAsync(cancellationToken), cancellationToken: cancellationToken));
            while (await stream.ResponseStream.MoveNext(cancellationToken))
            {
                var batch = stream.ResponseStream.Current;
                if (batch.EntryId.Length > 0)
                {
                    lastEntry = batch.EntryId;
                }

                foreach (var item in batch.Items)
                {
                    text.Append(item.Data);
                }

                if (batch.Eof)
                {
                    return text.ToString();
                }
            }
        }

        return text.ToString();
    }

    private async Task<GenericResult> WaitAsync(string sandboxId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await api.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 10 }, cancellationToken);
            if (response.Result is { } result)
            {
                return result;
            }
        }
    }

    /// <summary>The exit code as the step operator reports it (ModalStepOperator.ExitOf), which is also Modal's SDKs' mapping.</summary>
    private static int ExitCodeOf(GenericResult result) => result.Status switch
    {
        GenericStatus.Success => 0,
        GenericStatus.Timeout => 124,
        GenericStatus.MemoryManagerEviction or GenericStatus.Terminated => 137,
        GenericStatus.InitFailure or GenericStatus.InternalFailure => result.Exitcode,
        _ => result.Exitcode == 0 ? 1 : result.Exitcode,
    };
}
