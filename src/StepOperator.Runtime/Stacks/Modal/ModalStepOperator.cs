using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;
using StepOperator.Docker;
using StepOperator.Images;
using StepOperator.Rules;
using StepOperator.Runs;
using StepOperator.Stacks.Modal.Protocol;

namespace StepOperator.Stacks.Modal;

/// <summary>How the modal step operator runs steps.</summary>
/// <param name="Image">The step image to build and push (Modal pulls it from the registry).</param>
/// <param name="TokenId">Explicit token id (with <paramref name="TokenSecret"/>), else the environment or ~/.modal.toml.</param>
/// <param name="TokenSecret">Explicit token secret.</param>
/// <param name="ServerUrl">Modal's API address (default https://api.modal.com:443, or MODAL_SERVER_URL).</param>
/// <param name="AppName">The Modal app the sandboxes belong to.</param>
public sealed record ModalStepOperatorOptions(ImageBuildRequest Image, string? TokenId = null, string? TokenSecret = null, string? ServerUrl = null, string? AppName = null);

/// <summary>
/// The <c>modal</c> step operator: runs each step call in a Modal sandbox, following the sequence
/// Modal's own SDKs use: app get-or-create in the step's ModalEnvironment; the registry credentials
/// as an ephemeral secret; the image imported from the registry tag (build logs followed); the
/// step's runtime environment as another ephemeral secret (never in the image); SandboxCreate with the
/// step's resources; logs streamed live; a long-poll wait; terminate on cancellation.
/// </summary>
public sealed class ModalStepOperator(ModalStepOperatorOptions options, string name = "modal") : IStepOperator, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, Task<string>> _apps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<string>> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);
    private ModalApi? _api;
    private ImageResult? _image;
    private RunConsole? _console;

    public string Name { get; } = name;

    public IReadOnlyList<string> UnenforcedSettings(StepSettings settings) => Array.Empty<string>();

    public async Task PrepareAsync(RunConsole console, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_api is not null)
            {
                return;
            }

            _console = console;
            var credentials = ModalCredentials.Resolve(options.TokenId, options.TokenSecret, options.ServerUrl);
            using (var engine = await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false))
            {
                _image = await new ImageBuilder(engine, line => console.Info($"  [image] {line}")).EnsureImageAsync(options.Image, cancellationToken).ConfigureAwait(false);
            }

            _api = new ModalApi(credentials);
            console.Info($"  [modal] {credentials}");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken)
    {
        var api = _api ?? throw new InvalidOperationException("The modal step operator was not prepared; the runner prepares stacks before steps start.");
        var settings = launch.Step.Settings;
        var environment = settings.ModalEnvironment ?? api.Credentials.Environment ?? string.Empty;
        var appId = await _apps.GetOrAdd(environment, env => GetOrCreateAppAsync(api, env, cancellationToken)).ConfigureAwait(false);
        var imageId = await _images.GetOrAdd(environment, env => ImportImageAsync(api, appId, env, cancellationToken)).ConfigureAwait(false);

        var environmentSecret = await api.SecretGetOrCreateAsync(new SecretGetOrCreateRequest
        {
            ObjectCreationType = ObjectCreationType.Ephemeral,
            EnvironmentName = environment,
            EnvDict = { launch.Environment.ToDictionary(pair => pair.Key, pair => pair.Value) },
        }, cancellationToken).ConfigureAwait(false);

        var request = new SandboxCreateRequest
        {
            AppId = appId,
            Definition = SandboxFor(launch, imageId, environmentSecret.SecretId),
            Tags =
            {
                new SandboxTag { TagName = "stepoperator.run-id", TagValue = launch.RunId },
                new SandboxTag { TagName = "stepoperator.step", TagValue = launch.Step.Name },
                new SandboxTag { TagName = "stepoperator.invocation", TagValue = launch.InvocationId },
            },
        };
        var sandboxId = (await api.SandboxCreateAsync(request, cancellationToken).ConfigureAwait(false)).SandboxId;
        _running[sandboxId] = 0;
        try
        {
            launch.Output.Line($"sandbox {sandboxId}: {Describe(request.Definition.Resources)}", isError: false);
            await WaitForTaskAsync(api, sandboxId, cancellationToken).ConfigureAwait(false);
            using var logsStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var logs = Task.WhenAll(
                FollowLogsAsync(api, sandboxId, FileDescriptor.Stdout, launch.Output, logsStop.Token),
                FollowLogsAsync(api, sandboxId, FileDescriptor.Stderr, launch.Output, logsStop.Token));
            var result = await WaitAsync(api, sandboxId, cancellationToken).ConfigureAwait(false);
            _running.TryRemove(sandboxId, out _);

            // The sandbox has ended: give the log streams a moment to deliver their last lines.
            try
            {
                await logs.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await logsStop.CancelAsync().ConfigureAwait(false);
            }

            return ExitOf(result, launch);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TerminateAsync(api, sandboxId).ConfigureAwait(false);
            return new StepExit(130, StepExitReason.Cancelled);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The connection was lost (or Modal failed) while the sandbox ran: stop it, so a retry never runs beside it.
            await TerminateAsync(api, sandboxId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Exactly the resources a sandbox for these settings is created with, as the log line and the plan show them.</summary>
    public string DescribeResources(StepSettings settings) => Describe(ResourcesFor(settings));

    public decimal? EstimateHourlyCost(StepSettings settings) => Planning.ModalPrices.HourlyCost(ResourcesFor(settings), settings.Region);

    public async Task<Images.ImagePlan?> PlanImageAsync(CancellationToken cancellationToken)
    {
        using var engine = await global::StepOperator.Docker.DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await new Images.ImageBuilder(engine, _ => { }).PlanAsync(options.Image, cancellationToken).ConfigureAwait(false);
    }

    private static Sandbox SandboxFor(StepLaunch launch, string imageId, string secretId)
    {
        var settings = launch.Step.Settings;
        var sandbox = new Sandbox
        {
            ImageId = imageId,
            SecretIds = { secretId },
            Resources = ResourcesFor(settings),
            TimeoutSecs = (uint)settings.EffectiveTimeout,
            NetworkAccess = new NetworkAccess { NetworkAccessType = NetworkAccess.Types.NetworkAccessType.Open },
            CloudProviderStr = settings.Cloud ?? string.Empty,
        };

        // The whole command: it works whether the platform appends it to the image's entrypoint (which
        // runs any command as given) or runs it instead of the entrypoint.
        sandbox.EntrypointArgs.AddRange(new[] { "dotnet", "/app/" + EntryAssemblyOf(launch) });
        sandbox.EntrypointArgs.AddRange(launch.EntrypointArguments);
        if (settings.Region is { } region)
        {
            sandbox.SchedulerPlacement = new SchedulerPlacement { Regions = { region } };
        }

        return sandbox;
    }

    internal static Resources ResourcesFor(StepSettings settings)
    {
        var resources = new Resources();
        if (settings.CpuCount is { } cpus)
        {
            resources.MilliCpu = ResourceRules.MilliCpu(cpus);
        }

        if (settings.Memory is not null && MemorySize.TryToMegabytes(settings.Memory, out var megabytes, out _))
        {
            resources.MemoryMb = (uint)megabytes;
        }

        var gpus = ResourceRules.EffectiveGpuCount(settings.Gpu, settings.GpuCount);
        resources.GpuConfig = gpus > 0
            ? new GPUConfig { Type = GPUType.Unspecified, Count = (uint)gpus, GpuType = settings.Gpu!.ToUpperInvariant() }
            : new GPUConfig();
        return resources;
    }

    private static string EntryAssemblyOf(StepLaunch launch) =>
        System.IO.Path.GetFileName(System.Reflection.Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("No entry assembly."));

    private static string Describe(Resources resources) =>
        $"milli_cpu {resources.MilliCpu}, memory_mb {resources.MemoryMb}" +
        (resources.GpuConfig?.Count > 0 ? $", gpu {resources.GpuConfig.GpuType}:{resources.GpuConfig.Count}" : string.Empty);

    private string AppName() =>
        options.AppName ?? "stepoperator-" + System.IO.Path.GetFileNameWithoutExtension(options.Image.EntryAssembly).ToLowerInvariant();

    private async Task<string> GetOrCreateAppAsync(ModalApi api, string environment, CancellationToken cancellationToken)
    {
        var response = await api.AppGetOrCreateAsync(new AppGetOrCreateRequest
        {
            AppName = AppName(),
            EnvironmentName = environment,
            ObjectCreationType = ObjectCreationType.CreateIfMissing,
        }, cancellationToken).ConfigureAwait(false);
        return response.AppId;
    }

    private async Task<string> ImportImageAsync(ModalApi api, string appId, string environment, CancellationToken cancellationToken)
    {
        var image = new Image { DockerfileCommands = { $"FROM {_image!.Reference}" } };
        var registry = options.Image.Registry;
        if (registry is { HasCredentials: true })
        {
            var secret = await api.SecretGetOrCreateAsync(new SecretGetOrCreateRequest
            {
                ObjectCreationType = ObjectCreationType.Ephemeral,
                EnvironmentName = environment,
                EnvDict = { ["REGISTRY_USERNAME"] = registry.Username!, ["REGISTRY_PASSWORD"] = registry.Password! },
            }, cancellationToken).ConfigureAwait(false);
            image.ImageRegistryConfig = new ImageRegistryConfig { RegistryAuthType = RegistryAuthType.StaticCreds, SecretId = secret.SecretId };
        }

        var builder = await api.EnvironmentGetOrCreateAsync(new EnvironmentGetOrCreateRequest { DeploymentName = environment }, cancellationToken).ConfigureAwait(false);
        var created = await api.ImageGetOrCreateAsync(new ImageGetOrCreateRequest
        {
            AppId = appId,
            Image = image,
            BuilderVersion = builder.Metadata?.Settings?.ImageBuilderVersion ?? string.Empty,
            ForceBuild = options.Image.PreventBuildReuse,
        }, cancellationToken).ConfigureAwait(false);

        var result = created.Result ?? await FollowImageBuildAsync(api, created.ImageId, cancellationToken).ConfigureAwait(false);
        if (result.Status != GenericResult.Types.GenericStatus.Success)
        {
            throw new ModalApiException("ImageGetOrCreate", StatusCode.FailedPrecondition,
                $"Modal could not import image {_image.Reference} ({result.Status}): {result.Exception}".Trim(),
                new InvalidOperationException(result.Exception));
        }

        _console?.Info($"  [modal] image {created.ImageId} ready in environment '{(environment.Length == 0 ? "default" : environment)}'");
        return created.ImageId;
    }

    private async Task<GenericResult> FollowImageBuildAsync(ModalApi api, string imageId, CancellationToken cancellationToken)
    {
        var lastEntry = string.Empty;
        while (true)
        {
            using var stream = api.Client.ImageJoinStreaming(
                new ImageJoinStreamingRequest { ImageId = imageId, Timeout = 55, LastEntryId = lastEntry },
                new CallOptions(await api.HeadersAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken));
            while (await stream.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var item = stream.ResponseStream.Current;
                if (item.EntryId.Length > 0)
                {
                    lastEntry = item.EntryId;
                }

                foreach (var log in item.TaskLogs)
                {
                    foreach (var line in log.Data.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        _console?.Info($"  [modal image] {line.TrimEnd('\r')}");
                    }
                }

                if (item.Result is { Status: not GenericResult.Types.GenericStatus.Unspecified } result)
                {
                    return result;
                }
            }
        }
    }

    private static async Task WaitForTaskAsync(ModalApi api, string sandboxId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var response = await api.SandboxGetTaskIdAsync(new SandboxGetTaskIdRequest { SandboxId = sandboxId }, cancellationToken).ConfigureAwait(false);
            if (response.HasTaskId || response.TaskResult is not null)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task FollowLogsAsync(ModalApi api, string sandboxId, FileDescriptor descriptor, IStepOutputSink sink, CancellationToken cancellationToken)
    {
        var lastEntry = "0-0";
        var lines = new StepOutputLines(sink, isError: descriptor == FileDescriptor.Stderr);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var stream = api.Client.SandboxGetLogs(
                    new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = descriptor, Timeout = 55, LastEntryId = lastEntry },
                    new CallOptions(await api.HeadersAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken));
                while (await stream.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    var batch = stream.ResponseStream.Current;
                    if (batch.EntryId.Length > 0)
                    {
                        lastEntry = batch.EntryId;
                    }

                    foreach (var item in batch.Items)
                    {
                        lines.Append(item.Data);
                    }

                    if (batch.Eof)
                    {
                        lines.Flush();
                        return;
                    }
                }

                failures = 0;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested && ++failures <= 5 && e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<GenericResult> WaitAsync(ModalApi api, string sandboxId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await api.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 10 }, cancellationToken).ConfigureAwait(false);
            if (response.Result is { } result)
            {
                return result;
            }
        }
    }

    private static StepExit ExitOf(GenericResult result, StepLaunch launch) => result.Status switch
    {
        GenericResult.Types.GenericStatus.Success => new StepExit(0, StepExitReason.Exited),
        GenericResult.Types.GenericStatus.Timeout => new StepExit(124, StepExitReason.TimedOut),
        GenericResult.Types.GenericStatus.MemoryManagerEviction => new StepExit(137, StepExitReason.OutOfMemory),
        GenericResult.Types.GenericStatus.Terminated => new StepExit(137, StepExitReason.BackendFailure) { Detail = "the sandbox was terminated by Modal (preempted or stopped from outside; exit code 137)" },
        GenericResult.Types.GenericStatus.InitFailure => new StepExit(result.Exitcode, StepExitReason.BackendFailure)
        {
            Detail = $"the sandbox failed to start: {(result.Exception.Length > 0 ? result.Exception : "no reason given")}",
        },
        GenericResult.Types.GenericStatus.InternalFailure => new StepExit(result.Exitcode, StepExitReason.BackendFailure)
        {
            Detail = $"Modal had an internal failure running the sandbox: {result.Exception}",
        },
        _ => new StepExit(result.Exitcode == 0 ? 1 : result.Exitcode, StepExitReason.Exited),
    };

    private async Task TerminateAsync(ModalApi api, string sandboxId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await api.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = sandboxId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ModalApiException or OperationCanceledException)
        {
            _console?.Problem($"  [modal] could not terminate sandbox {sandboxId}: {e.Message}");
        }
        finally
        {
            _running.TryRemove(sandboxId, out _);
        }
    }

    /// <summary>Terminates every sandbox of the run that is still running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_api is { } api)
        {
            await Task.WhenAll(_running.Keys.ToList().Select(id => TerminateAsync(api, id))).ConfigureAwait(false);
            api.Dispose();
        }

        _gate.Dispose();
    }
}
