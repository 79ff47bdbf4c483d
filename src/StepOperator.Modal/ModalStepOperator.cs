using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StepOperator.Docker;
using StepOperator.Modal.Protocol;
using StepOperator.Runs;
using StepOperator.Stacks;

namespace StepOperator.Modal;

/// <summary>How the modal step operator runs steps.</summary>
/// <param name="Image">The step image to build and push (Modal pulls it from the registry).</param>
/// <param name="TokenId">Explicit token id (with <paramref name="TokenSecret"/>), else the environment or ~/.modal.toml.</param>
/// <param name="TokenSecret">Explicit token secret.</param>
/// <param name="ServerUrl">Modal's API address (default https://api.modal.com:443, or MODAL_SERVER_URL).</param>
/// <param name="AppName">The Modal app the sandboxes belong to.</param>
internal sealed record ModalStepOperatorOptions(ImageBuildRequest Image, string? TokenId = null, string? TokenSecret = null, string? ServerUrl = null, string? AppName = null)
{
    /// <summary>How long a sandbox may wait to be scheduled (default <see cref="ModalStepOperator.DefaultSchedulingLimit"/>).</summary>
    public TimeSpan? SchedulingLimit { get; init; }

    /// <summary>The stack's one preparation of <see cref="Image"/>, shared with its other step operators (default: this operator's own).</summary>
    public StackImage? SharedImage { get; init; }
}

/// <summary>
/// The <c>modal</c> step operator: runs each step call in a Modal sandbox, following the sequence
/// Modal's own SDKs use: app get-or-create in the step's ModalEnvironment; the registry credentials
/// as an ephemeral secret; the image imported from the registry tag (build logs followed); the sandbox
/// with the step's resources and runtime environment (never in the image) through SandboxCreateV2 when it
/// has no GPU, else SandboxCreate (the environment as another ephemeral secret); logs streamed live; a
/// long-poll wait; terminate on cancellation. A resumed run's calls reattach to their interrupted sandboxes.
/// </summary>
internal sealed class ModalStepOperator(ModalStepOperatorOptions options, string name = "modal") : IStepOperator, IAsyncDisposable
{
    /// <summary>How long a SandboxCreate may take once sent; it is not cancelled in flight (see <see cref="NotCancelledInFlightAsync"/>).</summary>
    private static readonly TimeSpan SandboxCreateLimit = TimeSpan.FromMinutes(2);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _apps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    /// <summary>Sandboxes of the run being resumed that Modal listed by the run's tag, by invocation, until a call claims them.</summary>
    private readonly Dictionary<string, List<SandboxInfo>> _leftovers = new(StringComparer.Ordinal);
    private ModalApi? _api;
    private readonly StackImage _stackImage = options.SharedImage ?? new StackImage(options.Image);
    private ImageResult? _image;
    private ILogger _log = NullLogger.Instance;

    public string Name { get; } = name;

    public IReadOnlyList<string> UnenforcedSettings(StepSettings settings) => Array.Empty<string>();

    public async Task PrepareAsync(ILogger log, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_api is not null)
            {
                return;
            }

            _log = log;
            var credentials = ModalCredentials.Resolve(options.TokenId, options.TokenSecret, options.ServerUrl);
            using (var engine = await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false))
            {
                _image = await _stackImage.EnsureAsync(engine, line => log.LogInformation("  [image] {Line}", line), cancellationToken).ConfigureAwait(false);
            }

            var api = new ModalApi(credentials, warn: line => log.LogWarning("  [modal] {Line}", line));
            log.LogInformation("  [modal] {Credentials}", credentials);

            // The session opens now (auth token, the app of the default environment): a token Modal refuses fails
            // the run before any step starts, and the first sandbox does not wait for the connection and sign-in.
            var environment = credentials.Environment ?? string.Empty;
            try
            {
                await OnceAsync(_apps, environment, () => GetOrCreateAppAsync(api, environment, cancellationToken)).ConfigureAwait(false);
            }
            catch
            {
                api.Dispose();
                throw;
            }

            _api = api;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>What run.json calls a Modal sandbox (<see cref="BackendCall.Kind"/>).</summary>
    public const string SandboxKind = "modal-sandbox";

    /// <summary>Modal's transient statuses (<see cref="ModalApiException.IsTransient"/>), on a wrapped or a bare gRPC failure, and lost connections.</summary>
    public bool IsTransientFailure(Exception failure) => failure switch
    {
        ModalApiException modal => ModalApiException.IsTransient(modal.Status),
        RpcException rpc => ModalApiException.IsTransient(rpc.StatusCode),
        _ => TransientFailures.IsConnectionFailure(failure),
    };

    public async Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken)
    {
        var api = _api ?? throw new InvalidOperationException("The modal step operator was not prepared; the runner prepares stacks before steps start.");
        if (launch.Resumed is { } resumed && await FindInterruptedAsync(api, launch, resumed, cancellationToken).ConfigureAwait(false) is { } interrupted)
        {
            // The interrupted run's sandbox still runs, or has finished: no second sandbox, and no GPU-second paid twice.
            _running[interrupted.Id] = 0;
            if (launch.Track is { } track)
            {
                await track(interrupted).ConfigureAwait(false);
            }

            launch.Output.Line($"sandbox {interrupted.Id}: reattached (started before the interruption)", isError: false);
            return await FollowSandboxAsync(api, interrupted, launch, cancellationToken).ConfigureAwait(false);
        }

        // A call that starts afresh (changed since, or nothing left to reattach to) runs in a new sandbox only.
        await StopLeftoversAsync(api, launch.InvocationId).ConfigureAwait(false);
        var settings = launch.Step.Settings;
        var environment = settings.ModalEnvironment ?? api.Credentials.Environment ?? string.Empty;
        var appId = await OnceAsync(_apps, environment, () => GetOrCreateAppAsync(api, environment, cancellationToken)).ConfigureAwait(false);
        var imageId = await OnceAsync(_images, environment, () => ImportImageAsync(api, appId, environment, cancellationToken)).ConfigureAwait(false);

        var created = UsesSandboxV2(api, settings)
            ? await CreateSandboxV2Async(api, launch, appId, imageId, cancellationToken).ConfigureAwait(false)
            : await CreateSandboxV1Async(api, launch, appId, imageId, environment, cancellationToken).ConfigureAwait(false);
        var sandboxId = created.SandboxId;
        _running[sandboxId] = 0;
        var call = new BackendCall(SandboxKind, sandboxId);
        try
        {
            // In run.json before anything else happens to it: a killed orchestrator's resume finds it there.
            if (launch.Track is { } track)
            {
                await track(call).ConfigureAwait(false);
            }

            launch.Output.Line($"sandbox {sandboxId}: {Describe(created.Resources)}", isError: false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await TerminateAsync(api, sandboxId).ConfigureAwait(false);
            throw;
        }

        return await FollowSandboxAsync(api, call, launch, cancellationToken, created.TaskId, created.RouterAccess).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a sandbox with these settings is created through SandboxCreateV2: as Modal's newest SDK (npm modal
    /// 0.11.1, SandboxService.create) does, for every sandbox without a GPU unless MODAL_SANDBOX_V2 (or the profile's
    /// sandbox_v2) is false; V2 does not take GPUs.
    /// </summary>
    internal static bool UsesSandboxV2(ModalApi api, StepSettings settings) =>
        api.Credentials.SandboxV2 && settings.EffectiveGpuCount == 0;

    /// <summary>A created sandbox: its id, the resources it was created with, and what a V2 answer already says.</summary>
    private sealed record CreatedSandbox(string SandboxId, Resources Resources, string? TaskId = null, CommandRouterAccess? RouterAccess = null);

    private async Task<CreatedSandbox> CreateSandboxV1Async(ModalApi api, StepLaunch launch, string appId, string imageId, string environment, CancellationToken cancellationToken)
    {
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
            Tags = { TagsOf(launch) },
        };
        var response = await NotCancelledInFlightAsync(token => api.SandboxCreateAsync(request, token), cancellationToken).ConfigureAwait(false);
        return new CreatedSandbox(response.SandboxId, request.Definition.Resources);
    }

    /// <summary>SandboxCreateV2: the step's environment goes inline as the ephemeral secret; the answer has the task id and router access.</summary>
    private async Task<CreatedSandbox> CreateSandboxV2Async(ModalApi api, StepLaunch launch, string appId, string imageId, CancellationToken cancellationToken)
    {
        var request = new SandboxCreateV2Request
        {
            AppId = appId,
            Definition = SandboxFor(launch, imageId, secretId: null),
            EphemeralSecrets = new StringMap { Contents = { launch.Environment.ToDictionary(pair => pair.Key, pair => pair.Value) } },
            Tags = { TagsOf(launch) },
        };
        var response = await NotCancelledInFlightAsync(token => api.SandboxCreateV2Async(request, token), cancellationToken).ConfigureAwait(false);
        return new CreatedSandbox(response.SandboxId, request.Definition.Resources, response.TaskId.Length > 0 ? response.TaskId : null, response.CommandRouterAccess);
    }

    /// <summary>The tags every sandbox of a step call carries: a resumed run finds its run's sandboxes by them.</summary>
    private static IEnumerable<SandboxTag> TagsOf(StepLaunch launch) =>
    [
        new SandboxTag { TagName = RunTag, TagValue = launch.RunId },
        new SandboxTag { TagName = "stepoperator.step", TagValue = launch.Step.Name },
        new SandboxTag { TagName = InvocationTag, TagValue = launch.InvocationId },
    ];

    private const string RunTag = "stepoperator.run-id";
    private const string InvocationTag = "stepoperator.invocation";

    /// <summary>
    /// The sandbox an interrupted run started for this call, when Modal still knows it: the one run.json recorded (with
    /// how far its logs were read), else one Modal lists with the call's tags that run.json did not get to record
    /// (adopted: the newest, running before finished). Null when there is none; the call then starts afresh.
    /// </summary>
    private async Task<BackendCall?> FindInterruptedAsync(ModalApi api, StepLaunch launch, ResumedCall resumed, CancellationToken cancellationToken)
    {
        if (resumed.Known is { Kind: SandboxKind } known)
        {
            try
            {
                await WaitOnceAsync(api, known.Id, 0, cancellationToken).ConfigureAwait(false);
                await StopLeftoversAsync(api, launch.InvocationId, keep: known.Id).ConfigureAwait(false);
                return known;
            }
            catch (ModalApiException e) when (e.Status is StatusCode.NotFound or StatusCode.InvalidArgument)
            {
                _log.LogInformation("  [modal] sandbox {Sandbox} of the interrupted call {Invocation} is gone ({Status})", known.Id, launch.InvocationId, e.Status);
            }
        }

        var adopted = ClaimLeftovers(launch.InvocationId)
            .OrderBy(info => info.TaskInfo?.Result is null ? 0 : 1)
            .ThenByDescending(info => info.CreatedAt)
            .FirstOrDefault();
        if (adopted is null)
        {
            return null;
        }

        _log.LogInformation("  [modal] adopting sandbox {Sandbox} of the interrupted call {Invocation} (run.json had not recorded it)", adopted.Id, launch.InvocationId);
        await StopLeftoversAsync(api, launch.InvocationId, keep: adopted.Id).ConfigureAwait(false);
        return new BackendCall(SandboxKind, adopted.Id);
    }

    /// <summary>
    /// Lists the sandboxes an interrupted run left (by its run tag, running or finished: SandboxListV2 lists both kinds,
    /// as modal-js's experimentalList does, SandboxList only V1), so calls the resumed run continues can adopt them.
    /// The ones no call claims are terminated when the run ends.
    /// </summary>
    public async Task CleanUpRunAsync(string runId, CancellationToken cancellationToken)
    {
        var api = _api ?? throw new InvalidOperationException("The modal step operator was not prepared; the runner prepares stacks before steps start.");
        var environment = api.Credentials.Environment ?? string.Empty;
        var appId = await OnceAsync(_apps, environment, () => GetOrCreateAppAsync(api, environment, cancellationToken)).ConfigureAwait(false);
        double? before = null;
        while (true)
        {
            var request = new SandboxListRequest { AppId = appId, IncludeFinished = true, Tags = { new SandboxTag { TagName = RunTag, TagValue = runId } } };
            if (before is { } timestamp)
            {
                request.BeforeTimestamp = timestamp;
            }

            var page = api.Credentials.SandboxV2
                ? await api.SandboxListV2Async(request, cancellationToken).ConfigureAwait(false)
                : await api.SandboxListAsync(request, cancellationToken).ConfigureAwait(false);
            if (page.Sandboxes.Count == 0)
            {
                break;
            }

            lock (_leftovers)
            {
                foreach (var info in page.Sandboxes)
                {
                    var invocation = info.Tags.FirstOrDefault(t => t.TagName == InvocationTag)?.TagValue ?? string.Empty;
                    if (!_leftovers.TryGetValue(invocation, out var list))
                    {
                        _leftovers[invocation] = list = new List<SandboxInfo>();
                    }

                    list.Add(info);
                }
            }

            before = page.Sandboxes[^1].CreatedAt;
        }

        int running;
        lock (_leftovers)
        {
            running = _leftovers.Values.Sum(list => list.Count(info => info.TaskInfo?.Result is null));
        }

        if (running > 0)
        {
            _log.LogInformation("  [modal] the interrupted run left {Running} sandbox(es) running; the calls they belong to continue in them", running);
        }
    }

    private List<SandboxInfo> ClaimLeftovers(string invocationId)
    {
        lock (_leftovers)
        {
            return _leftovers.Remove(invocationId, out var list) ? list : new List<SandboxInfo>();
        }
    }

    /// <summary>Terminates the interrupted run's running sandboxes of this call other than <paramref name="keep"/>: a call runs in one sandbox.</summary>
    private async Task StopLeftoversAsync(ModalApi api, string invocationId, string? keep = null)
    {
        var stale = ClaimLeftovers(invocationId).Where(info => info.Id != keep && info.TaskInfo?.Result is null).ToList();
        foreach (var info in stale)
        {
            _log.LogInformation("  [modal] terminating sandbox {Sandbox} the interrupted run left for {Invocation}", info.Id, invocationId);
            await TerminateAsync(api, info.Id).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Follows a created (or reattached) sandbox to its end: waits until it is scheduled, streams its logs from where
    /// <paramref name="call"/> says they got to (reporting each new position), waits for its result.
    /// </summary>
    private async Task<StepExit> FollowSandboxAsync(
        ModalApi api, BackendCall call, StepLaunch launch, CancellationToken cancellationToken, string? taskId = null, CommandRouterAccess? routerAccess = null)
    {
        var sandboxId = call.Id;
        ModalCommandRouter? router = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested(); // cancelled while it was being created: terminated below
            var (scheduledTask, endedUnscheduled) = taskId is not null ? (taskId, null) : await WaitForTaskAsync(api, sandboxId, cancellationToken).ConfigureAwait(false);
            if (endedUnscheduled is not null)
            {
                // Ended before it was ever scheduled (terminated, failed to start...): no task, so no logs to follow.
                _running.TryRemove(sandboxId, out _);
                var exit = ExitOf(endedUnscheduled, launch);
                return exit.Detail is null
                    ? exit with { Detail = $"the sandbox ended before it started ({endedUnscheduled.Status}): {Reason(endedUnscheduled)}" }
                    : exit;
            }

            var positions = new SandboxLogPositions(call, launch.Track);
            using var logsStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task logs;
            if (ModalSandboxIds.IsV2(sandboxId))
            {
                // A V2 sandbox's output is read from its task command router, by byte offset.
                router = await ModalCommandRouter.OpenAsync(api, sandboxId, routerAccess, cancellationToken).ConfigureAwait(false);
                logs = Task.WhenAll(
                    FollowStdioAsync(router, scheduledTask!, SandboxStdioFileDescriptor.Stdout, launch.Output, positions, logsStop.Token),
                    FollowStdioAsync(router, scheduledTask!, SandboxStdioFileDescriptor.Stderr, launch.Output, positions, logsStop.Token));
            }
            else
            {
                logs = Task.WhenAll(
                    FollowLogsAsync(api, sandboxId, FileDescriptor.Stdout, launch.Output, positions, logsStop.Token),
                    FollowLogsAsync(api, sandboxId, FileDescriptor.Stderr, launch.Output, positions, logsStop.Token));
            }

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
        catch (SandboxNotScheduledException e)
        {
            // Never scheduled: stop it, so it cannot start later with nobody waiting for it; the step's policy may retry.
            await TerminateAsync(api, sandboxId).ConfigureAwait(false);
            return new StepExit(1, StepExitReason.BackendFailure) { Detail = e.Message };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The connection was lost (or Modal failed) while the sandbox ran: stop it, so a retry never runs beside it.
            await TerminateAsync(api, sandboxId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            router?.Dispose();
        }
    }

    /// <summary>Exactly the resources a sandbox for these settings is created with, as the log line and the plan show them.</summary>
    public string DescribeResources(StepSettings settings) => Describe(ResourcesFor(settings));

    public decimal? EstimateHourlyCost(StepSettings settings) => ModalPrices.HourlyCost(ResourcesFor(settings), settings.Region);

    public string CostBasis => ModalPrices.Basis;

    public async Task<ImagePlan?> PlanImageAsync(CancellationToken cancellationToken)
    {
        using var engine = await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await new ImageBuilder(engine, _ => { }).PlanAsync(options.Image, cancellationToken).ConfigureAwait(false);
    }

    private static Sandbox SandboxFor(StepLaunch launch, string imageId, string? secretId)
    {
        var settings = launch.Step.Settings;
        var sandbox = new Sandbox
        {
            ImageId = imageId,
            SecretIds = { secretId is null ? [] : [secretId] },
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

    /// <summary>
    /// The sandbox's resources: CpuCount and Memory are reservations (milli_cpu, memory_mb), CpuLimit and MemoryLimit
    /// hard limits (milli_cpu_max, memory_mb_max), as modal-client py/modal/_resources.py fills them from
    /// <c>cpu=(request, limit)</c> and <c>memory=(request, limit)</c>: the limit in the request's unit (thousandths of
    /// a core, and the same megabyte figure the seed's memory rule gives memory_mb), 0 for none. The GPU type goes
    /// upper-cased, as the SDKs send it.
    /// </summary>
    internal static Resources ResourcesFor(StepSettings settings)
    {
        var resources = new Resources();
        if (settings.CpuCount is { } cpus)
        {
            resources.MilliCpu = MilliCpu(cpus);
        }

        if (settings.CpuLimit is { } cpuLimit)
        {
            resources.MilliCpuMax = MilliCpu(cpuLimit);
        }

        if (settings.MemoryMegabytes is { } megabytes)
        {
            resources.MemoryMb = (uint)megabytes;
        }

        if (settings.MemoryLimitMegabytes is { } limitMegabytes)
        {
            resources.MemoryMbMax = (uint)limitMegabytes;
        }

        var gpus = settings.EffectiveGpuCount;
        resources.GpuConfig = gpus > 0
            ? new GPUConfig { Type = GPUType.Unspecified, Count = (uint)gpus, GpuType = settings.Gpu!.ToUpperInvariant() }
            : new GPUConfig();
        return resources;
    }

    /// <summary>Cores as Modal's Resources take them: thousandths of a core, truncated as Modal's SDKs do.</summary>
    private static uint MilliCpu(double cores) => (uint)Math.Truncate(cores * 1000);

    private static string EntryAssemblyOf(StepLaunch launch) =>
        Path.GetFileName(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("No entry assembly."));

    private static string Describe(Resources resources) =>
        $"milli_cpu {resources.MilliCpu}" +
        (resources.MilliCpuMax > 0 ? $", milli_cpu_max {resources.MilliCpuMax}" : string.Empty) +
        $", memory_mb {resources.MemoryMb}" +
        (resources.MemoryMbMax > 0 ? $", memory_mb_max {resources.MemoryMbMax}" : string.Empty) +
        (resources.GpuConfig?.Count > 0 ? $", gpu {resources.GpuConfig.GpuType}:{resources.GpuConfig.Count}" : string.Empty);

    private string AppName() =>
        options.AppName ?? "stepoperator-" + Path.GetFileNameWithoutExtension(options.Image.EntryAssembly).ToLowerInvariant();

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

        // The builder version Modal's SDKs ask for: MODAL_IMAGE_BUILDER_VERSION or the profile's, else the environment's.
        var builderVersion = api.Credentials.ImageBuilderVersion
            ?? (await api.EnvironmentGetOrCreateAsync(new EnvironmentGetOrCreateRequest { DeploymentName = environment }, cancellationToken).ConfigureAwait(false))
                .Metadata?.Settings?.ImageBuilderVersion;
        var created = await api.ImageGetOrCreateAsync(new ImageGetOrCreateRequest
        {
            AppId = appId,
            Image = image,
            BuilderVersion = builderVersion ?? string.Empty,
            ForceBuild = options.Image.PreventBuildReuse,
        }, cancellationToken).ConfigureAwait(false);

        var result = created.Result ?? await FollowImageBuildAsync(api, created.ImageId, cancellationToken).ConfigureAwait(false);
        if (result.Status != GenericResult.Types.GenericStatus.Success)
        {
            throw new ModalApiException("ImageGetOrCreate", StatusCode.FailedPrecondition,
                $"Modal could not import image {_image.Reference} ({result.Status}): {result.Exception}".Trim(),
                new InvalidOperationException(result.Exception));
        }

        _log.LogInformation("  [modal] image {Image} ready in environment '{Environment}'", created.ImageId, environment.Length == 0 ? "default" : environment);
        return created.ImageId;
    }

    private async Task<GenericResult> FollowImageBuildAsync(ModalApi api, string imageId, CancellationToken cancellationToken)
    {
        var lastEntry = string.Empty;
        GenericResult? result = null;
        await ModalStreams.FollowAsync(
            api,
            nameof(ModalClient.ModalClientClient.ImageJoinStreaming),
            async token => api.Client.ImageJoinStreaming(
                new ImageJoinStreamingRequest { ImageId = imageId, Timeout = 55, LastEntryId = lastEntry }, await api.StreamOptionsAsync(token).ConfigureAwait(false)),
            item =>
            {
                if (item.EntryId.Length > 0)
                {
                    lastEntry = item.EntryId;
                }

                foreach (var log in item.TaskLogs)
                {
                    foreach (var line in log.Data.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        _log.LogInformation("  [modal image] {Line}", line.TrimEnd('\r'));
                    }
                }

                if (item.Result is { Status: not GenericResult.Types.GenericStatus.Unspecified } finished)
                {
                    result = finished;
                    return true;
                }

                return false;
            },
            endIsDone: false,
            cancellationToken).ConfigureAwait(false);
        return result!;
    }

    /// <summary>How long one SandboxGetTaskId call asks the server to hold on until the sandbox has a task.</summary>
    public const float TaskWaitSeconds = 55;

    /// <summary>
    /// How long a sandbox may wait to be scheduled before the client gives up on it: npm modal 0.11.1 waits 21 minutes
    /// (SANDBOX_SCHEDULING_TIMEOUT_MS in its dist/index.js; not in libmodal @ab68c3e), then terminates the sandbox and reports insufficient capacity.
    /// </summary>
    public static readonly TimeSpan DefaultSchedulingLimit = TimeSpan.FromMinutes(21);

    /// <summary>
    /// Waits until the sandbox is scheduled (answers null: it has a task) or has ended without one (answers that end,
    /// from task_result). Each call asks the server to answer as soon as either happens (timeout + wait_until_ready)
    /// rather than polling every half second; a server that answers at once with neither is asked again after a
    /// short pause, as a poll. Bounded by <see cref="ModalStepOperatorOptions.SchedulingLimit"/>.
    /// </summary>
    private async Task<(string? TaskId, GenericResult? Ended)> WaitForTaskAsync(ModalApi api, string sandboxId, CancellationToken cancellationToken)
    {
        var limit = options.SchedulingLimit ?? DefaultSchedulingLimit;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var remaining = limit - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new SandboxNotScheduledException(sandboxId, limit);
            }

            var asked = Stopwatch.GetTimestamp();
            var wait = (float)Math.Min(TaskWaitSeconds, Math.Max(1, remaining.TotalSeconds));
            var request = new SandboxGetTaskIdRequest { SandboxId = sandboxId, Timeout = wait, WaitUntilReady = true };
            var response = ModalSandboxIds.IsV2(sandboxId)
                ? await api.SandboxGetTaskIdV2Async(request, cancellationToken).ConfigureAwait(false)
                : await api.SandboxGetTaskIdAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.HasTaskId && response.TaskId.Length > 0)
            {
                return (response.TaskId, null);
            }

            if (response.TaskResult is { Status: not GenericResult.Types.GenericStatus.Unspecified } ended)
            {
                return (null, ended);
            }

            if (Stopwatch.GetElapsedTime(asked) < TimeSpan.FromSeconds(wait / 2))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task FollowLogsAsync(
        ModalApi api, string sandboxId, FileDescriptor descriptor, IStepOutputSink sink, SandboxLogPositions positions, CancellationToken cancellationToken)
    {
        var stream = descriptor == FileDescriptor.Stderr ? "stderr" : "stdout";
        var lastEntry = positions.Of(stream) ?? "0-0";
        var lines = new StepOutputLines(sink, isError: descriptor == FileDescriptor.Stderr);
        await ModalStreams.FollowAsync(
            api,
            nameof(ModalClient.ModalClientClient.SandboxGetLogs),
            async token => api.Client.SandboxGetLogs(
                new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = descriptor, Timeout = 55, LastEntryId = lastEntry },
                await api.StreamOptionsAsync(token).ConfigureAwait(false)),
            batch =>
            {
                // The entry id moves only with what was received: a stream cut mid-way resumes right after it.
                if (batch.EntryId.Length > 0)
                {
                    lastEntry = batch.EntryId;
                }

                foreach (var item in batch.Items)
                {
                    lines.Append(item.Data);
                }

                if (batch.EntryId.Length > 0 && batch.Items.Count > 0)
                {
                    positions.Advance(stream, batch.EntryId);
                }

                return batch.Eof;
            },
            endIsDone: false,
            cancellationToken).ConfigureAwait(false);
        lines.Flush();
    }

    /// <summary>Streams one of a V2 sandbox's outputs from its command router, from the recorded byte offset.</summary>
    private static async Task FollowStdioAsync(
        ModalCommandRouter router, string taskId, SandboxStdioFileDescriptor descriptor, IStepOutputSink sink, SandboxLogPositions positions, CancellationToken cancellationToken)
    {
        var stream = descriptor == SandboxStdioFileDescriptor.Stderr ? "stderr" : "stdout";
        var offset = ulong.TryParse(positions.Of(stream), NumberStyles.None, CultureInfo.InvariantCulture, out var recorded) ? recorded : 0;
        var lines = new StepOutputLines(sink, isError: descriptor == SandboxStdioFileDescriptor.Stderr);
        var decoder = Encoding.UTF8.GetDecoder(); // keeps a character split across two chunks whole
        await router.ReadAsync(taskId, descriptor, offset, (data, next) =>
        {
            var chars = new char[decoder.GetCharCount(data, 0, data.Length)];
            var count = decoder.GetChars(data, 0, data.Length, chars, 0);
            lines.Append(new string(chars, 0, count));
            positions.Advance(stream, next.ToString(CultureInfo.InvariantCulture));
        }, cancellationToken).ConfigureAwait(false);
        lines.Flush();
    }

    /// <summary>
    /// A sandbox create, not cancelled in flight: a sandbox Modal created for a call the client gave up on would run
    /// unknown to it until its timeout. The caller terminates it if the run was cancelled meanwhile.
    /// </summary>
    private static async Task<T> NotCancelledInFlightAsync<T>(Func<CancellationToken, Task<T>> create, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var limit = new CancellationTokenSource(SandboxCreateLimit);
        return await create(limit.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// The value <paramref name="create"/> makes for <paramref name="key"/>, made once and shared by
    /// the step calls that need it; a failure is not kept, so the next call (a retry) tries again.
    /// </summary>
    private static async Task<string> OnceAsync(ConcurrentDictionary<string, Lazy<Task<string>>> cache, string key, Func<Task<string>> create)
    {
        var entry = cache.GetOrAdd(key, _ => new Lazy<Task<string>>(create));
        try
        {
            return await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(key, entry));
            throw;
        }
    }

    /// <summary>One SandboxWait (SandboxWaitV2 for a V2 sandbox): the result, or none when it still runs after <paramref name="seconds"/>.</summary>
    private static Task<SandboxWaitResponse> WaitOnceAsync(ModalApi api, string sandboxId, float seconds, CancellationToken cancellationToken)
    {
        var request = new SandboxWaitRequest { SandboxId = sandboxId, Timeout = seconds };
        return ModalSandboxIds.IsV2(sandboxId) ? api.SandboxWaitV2Async(request, cancellationToken) : api.SandboxWaitAsync(request, cancellationToken);
    }

    private static async Task<GenericResult> WaitAsync(ModalApi api, string sandboxId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await WaitOnceAsync(api, sandboxId, 10, cancellationToken).ConfigureAwait(false);
            if (response.Result is { } result)
            {
                return result;
            }
        }
    }

    private static string Reason(GenericResult result) => result.Exception.Length > 0 ? result.Exception : "Modal gave no reason";

    /// <summary>
    /// How a sandbox's end reads as a step's exit. MEMORY_MANAGER_EVICTION is Modal's memory manager evicting the
    /// sandbox because its worker ran short of memory (api.proto: "evicted by the memory manager when the worker was
    /// under memory pressure"): a platform event, retried like other backend failures, never the step's own limit.
    /// A step over its MemoryLimit is OOM-killed (Modal's guide, "Memory limits"): its process ends with SIGKILL,
    /// exit code 137, which with a MemoryLimit set is reported as out of memory.
    /// </summary>
    internal static StepExit ExitOf(GenericResult result, StepLaunch launch) => result.Status switch
    {
        GenericResult.Types.GenericStatus.Success => new StepExit(0, StepExitReason.Exited),
        GenericResult.Types.GenericStatus.Timeout => new StepExit(124, StepExitReason.TimedOut),
        GenericResult.Types.GenericStatus.MemoryManagerEviction => new StepExit(137, StepExitReason.BackendFailure)
        {
            Detail = "the sandbox was evicted by Modal's memory manager because its worker was under memory pressure " +
                "(a platform event, not this step's memory use against its Memory or MemoryLimit)" +
                (result.Exception.Length > 0 ? $": {result.Exception}" : string.Empty),
        },
        GenericResult.Types.GenericStatus.Terminated => new StepExit(137, StepExitReason.BackendFailure) { Detail = "the sandbox was terminated by Modal (preempted or stopped from outside; exit code 137)" },
        GenericResult.Types.GenericStatus.InitFailure => new StepExit(result.Exitcode, StepExitReason.BackendFailure)
        {
            Detail = $"the sandbox failed to start: {(result.Exception.Length > 0 ? result.Exception : "no reason given")}",
        },
        GenericResult.Types.GenericStatus.InternalFailure => new StepExit(result.Exitcode, StepExitReason.BackendFailure)
        {
            Detail = $"Modal had an internal failure running the sandbox: {result.Exception}",
        },
        _ when result.Exitcode == 137 && launch.Step.Settings.MemoryLimit is { } limit => new StepExit(137, StepExitReason.OutOfMemory)
        {
            Detail = $"killed for using more memory than its limit (MemoryLimit = \"{limit}\", memory_mb_max {ResourcesFor(launch.Step.Settings).MemoryMbMax}; exit code 137)",
        },
        _ => new StepExit(result.Exitcode == 0 ? 1 : result.Exitcode, StepExitReason.Exited),
    };

    private async Task TerminateAsync(ModalApi api, string sandboxId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var request = new SandboxTerminateRequest { SandboxId = sandboxId };
            await (ModalSandboxIds.IsV2(sandboxId) ? api.SandboxTerminateV2Async(request, timeout.Token) : api.SandboxTerminateAsync(request, timeout.Token)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ModalApiException or OperationCanceledException)
        {
            _log.LogWarning("  [modal] could not terminate sandbox {Sandbox}: {Error}", sandboxId, e.Message);
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
            List<string> unclaimed;
            lock (_leftovers)
            {
                unclaimed = _leftovers.Values.SelectMany(list => list).Where(info => info.TaskInfo?.Result is null).Select(info => info.Id).ToList();
                _leftovers.Clear();
            }

            // The run's own sandboxes still running (cancelled), and the interrupted run's that no call claimed.
            await Task.WhenAll(_running.Keys.Concat(unclaimed).Distinct().ToList().Select(id => TerminateAsync(api, id))).ConfigureAwait(false);
            api.Dispose();
        }

        _gate.Dispose();
    }
}

/// <summary>Modal did not schedule a sandbox (give it a task) in time: usually no capacity for its resources.</summary>
internal sealed class SandboxNotScheduledException(string sandboxId, TimeSpan limit)
    : Exception($"Modal did not schedule sandbox {sandboxId} within {limit.TotalMinutes:0.#} minutes (no capacity for its resources?); " +
        "it was terminated. Try again later, or ask for a GPU type or region with more capacity.");
