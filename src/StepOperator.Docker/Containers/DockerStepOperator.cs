using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using StepOperator.Stacks;

namespace StepOperator.Docker;

/// <summary>What to do with a GPU request on this engine.</summary>
internal enum DockerGpuPolicy
{
    /// <summary>Request the GPUs; an engine without a GPU runtime is a clear error.</summary>
    Require,

    /// <summary>Run without GPUs and report the request as ignored (for engines without GPUs).</summary>
    Ignore,
}

/// <summary>How the docker step operator runs steps.</summary>
/// <param name="Image">How to build or reuse the step image.</param>
/// <param name="Gpus">What to do with GPU requests.</param>
internal sealed record DockerStepOperatorOptions(ImageBuildRequest Image, DockerGpuPolicy Gpus = DockerGpuPolicy.Require)
{
    /// <summary>The variable the built-in docker components read their GPU policy from.</summary>
    public const string GpusVariable = "STEPOPERATOR_DOCKER_GPUS";

    /// <summary>How to set the GPU policy to 'ignore', naming the setting it comes from (the component's own fix, when it is known).</summary>
    public string IgnoreGpusFix { get; init; } =
        $"{GpusVariable}=ignore for the built-in 'docker' stack, or gpus on a registered docker component (step-operator update <name> --gpus=ignore)";

    /// <summary>The stack's one preparation of <see cref="Image"/>, shared with its other step operators (default: this operator's own).</summary>
    public StackImage? SharedImage { get; init; }
}

/// <summary>The engine's view of a step's CPU and memory settings; null where the step sets nothing.</summary>
/// <param name="CpuShares">The CPU weight, from CpuCount (a reservation).</param>
/// <param name="NanoCpus">The CPU quota in billionths of a core, from CpuLimit (a hard limit).</param>
/// <param name="MemoryReservation">The memory reservation in bytes, from Memory.</param>
/// <param name="Memory">The hard memory limit in bytes, from MemoryLimit.</param>
internal sealed record ContainerLimits(long? CpuShares, long? NanoCpus, long? MemoryReservation, long? Memory);

/// <summary>
/// The <c>docker</c> step operator: runs each step call in a container of the program's image, with
/// CpuCount and Memory as reservations, CpuLimit and MemoryLimit (by the same memory rule as Modal) as
/// hard limits, GPUs as a device request, the run's artifact store mounted, logs streamed live, and the
/// container removed after.
/// </summary>
internal sealed class DockerStepOperator(DockerStepOperatorOptions options, string name = "docker") : IStepOperator, IAsyncDisposable
{
    /// <summary>Docker's CPU weight of one container with default settings, given here to each reserved core.</summary>
    private const long CpuSharesPerCore = 1024;

    /// <summary>The smallest CPU weight the engine takes.</summary>
    private const long MinCpuShares = 2;

    /// <summary>How long creating a container may take once asked for (it is not cancelled in flight).</summary>
    private static readonly TimeSpan CreateLimit = TimeSpan.FromMinutes(2);

    private readonly SemaphoreSlim _prepareGate = new(1, 1);
    private DockerEngine? _engine;
    private readonly StackImage _stackImage = options.SharedImage ?? new StackImage(options.Image);
    private ImageResult? _image;

    public string Name { get; } = name;

    /// <summary>The image of this run, once prepared.</summary>
    public ImageResult? Image => _image;

    public IReadOnlyList<string> UnenforcedSettings(StepSettings settings)
    {
        var ignored = new List<string>();
        if (options.Gpus == DockerGpuPolicy.Ignore && settings.Gpu is not null)
        {
            ignored.Add($"Gpu = \"{settings.Gpu}\"" + (settings.GpuCount is { } count ? $", GpuCount = {count}" : string.Empty));
        }

        if (settings.Region is not null)
        {
            ignored.Add($"Region = \"{settings.Region}\"");
        }

        if (settings.Cloud is not null)
        {
            ignored.Add($"Cloud = \"{settings.Cloud}\"");
        }

        return ignored;
    }

    public string DescribeResources(StepSettings settings)
    {
        var limits = LimitsFor(settings);
        var parts = new List<string>();
        if (limits.CpuShares is { } shares)
        {
            parts.Add($"cpu_shares {shares}");
        }

        parts.Add(limits.NanoCpus is { } nanoCpus ? $"nano_cpus {nanoCpus}" : "nano_cpus unlimited");
        if (limits.MemoryReservation is { } reservation)
        {
            parts.Add($"memory_reservation {reservation} bytes");
        }

        parts.Add(limits.Memory is { } memory ? $"memory {memory} bytes" : "memory unlimited");
        var gpus = settings.EffectiveGpuCount;
        var gpu = gpus == 0 ? string.Empty : options.Gpus == DockerGpuPolicy.Require ? $", gpus {gpus} (nvidia)" : ", gpus ignored";
        return string.Join(", ", parts) + gpu;
    }

    /// <summary>
    /// A step's settings as the engine's HostConfig takes them. CpuCount and Memory are reservations, as on Modal:
    /// CPU shares in proportion to the cores (1024 per core, Docker's weight of one container) and a memory
    /// reservation (a soft limit the engine reclaims down to under memory pressure). CpuLimit and MemoryLimit are
    /// hard limits: a CPU quota (NanoCPUs) and a memory limit with no swap beyond it (MemorySwap = Memory), past
    /// which the kernel kills the step (reported as out of memory).
    /// </summary>
    internal static ContainerLimits LimitsFor(StepSettings settings)
    {
        long? shares = settings.CpuCount is { } cpus ? Math.Max(MinCpuShares, (long)Math.Round(cpus * CpuSharesPerCore)) : null;
        long? nanoCpus = settings.CpuLimit is { } cpuLimit ? (long)Math.Round(cpuLimit * 1e9) : null;
        long? reservation = settings.MemoryMegabytes * 1_000_000;
        long? memory = settings.MemoryLimitMegabytes * 1_000_000;
        return new ContainerLimits(shares, nanoCpus, reservation, memory);
    }

    public async Task<ImagePlan?> PlanImageAsync(CancellationToken cancellationToken)
    {
        _engine ??= await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await new ImageBuilder(_engine, _ => { }).PlanAsync(options.Image, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connects to the engine and builds, pulls or reuses the image, once per run.</summary>
    public async Task PrepareAsync(ILogger log, CancellationToken cancellationToken)
    {
        await _prepareGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_image is not null)
            {
                return;
            }

            _engine ??= await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false);
            _image = await _stackImage.EnsureAsync(_engine, line => log.LogInformation("  [image] {Line}", line), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _prepareGate.Release();
        }
    }

    /// <summary>A Docker Engine call that failed for a lost or refused connection (the engine's own refusals are not transient).</summary>
    public bool IsTransientFailure(Exception failure) =>
        failure is DockerEngineException { InnerException: { } inner } ? IsTransientFailure(inner) : TransientFailures.IsConnectionFailure(failure);

    public async Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken)
    {
        if (_engine is null || _image is null)
        {
            throw new InvalidOperationException("The docker step operator was not prepared; the runner prepares stacks before steps start.");
        }

        var client = _engine.Client;
        var parameters = await ContainerFor(launch, cancellationToken).ConfigureAwait(false);
        string id;
        try
        {
            // Not cancelled in flight: the engine may create the container all the same, and a container
            // whose id never came back would be left behind. A cancelled run removes it below instead.
            cancellationToken.ThrowIfCancellationRequested();
            using var limit = new CancellationTokenSource(CreateLimit);
            id = (await client.Containers.CreateContainerAsync(parameters, limit.Token).ConfigureAwait(false)).ID;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw _engine.Explain(e, $"create a container for step '{launch.InvocationId}'");
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();

            // The limits as the engine applied them, read back from it.
            var applied = (await client.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false)).HostConfig;
            var limits = new Dictionary<string, long>
            {
                ["CpuShares"] = applied?.CPUShares ?? 0,
                ["NanoCpus"] = applied?.NanoCPUs ?? 0,
                ["MemoryReservationBytes"] = applied?.MemoryReservation ?? 0,
                ["MemoryBytes"] = applied?.Memory ?? 0,
                ["Gpus"] = applied?.DeviceRequests?.Sum(r => r.Count) ?? 0,
            };
            launch.Output.Line(
                $"container {id[..12]}: cpu shares {(limits["CpuShares"] > 0 ? limits["CpuShares"].ToString(CultureInfo.InvariantCulture) : "default")}, " +
                $"cpu limit {(limits["NanoCpus"] > 0 ? (limits["NanoCpus"] / 1e9).ToString(CultureInfo.InvariantCulture) : "none")}, " +
                $"memory reservation {(limits["MemoryReservationBytes"] > 0 ? limits["MemoryReservationBytes"].ToString(CultureInfo.InvariantCulture) + " bytes" : "none")}, " +
                $"memory limit {(limits["MemoryBytes"] > 0 ? limits["MemoryBytes"].ToString(CultureInfo.InvariantCulture) + " bytes" : "none")}",
                isError: false);
            try
            {
                await client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (IsMissingGpuRuntime(e.Message))
            {
                throw new DockerEngineException(
                    $"Step '{launch.InvocationId}' asks for {launch.Step.Settings.EffectiveGpuCount} GPU(s), " +
                    $"but the Docker engine at {_engine.Endpoint} has no GPU runtime ({e.Message.Trim()}). Install the NVIDIA Container Toolkit, " +
                    "run on a stack with GPUs, or set the docker step operator's GPU policy to 'ignore'.", e);
            }

            var logs = FollowLogsAsync(client, id, launch.Output, cancellationToken);
            var exit = await WaitAsync(client, id, launch.Step.Settings.EffectiveTimeout, cancellationToken).ConfigureAwait(false);
            await logs.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            return exit with { AppliedLimits = limits };
        }
        finally
        {
            await RemoveAsync(client, id).ConfigureAwait(false);
        }
    }

    private async Task<CreateContainerParameters> ContainerFor(StepLaunch launch, CancellationToken cancellationToken)
    {
        var settings = launch.Step.Settings;
        var host = new HostConfig
        {
            Binds = new List<string>(),
            Init = true,

            // Steps reach stores and services on this machine's loopback (s3rver, Azurite) as the orchestrator does.
            NetworkMode = "host",
        };

        var limits = LimitsFor(settings);
        if (limits.CpuShares is { } shares)
        {
            host.CPUShares = shares;
        }

        if (limits.NanoCpus is { } nanoCpus)
        {
            host.NanoCPUs = nanoCpus;
        }

        if (limits.MemoryReservation is { } reservation)
        {
            host.MemoryReservation = reservation;
        }

        if (limits.Memory is { } memory)
        {
            host.Memory = memory;
            host.MemorySwap = memory;
        }

        var gpus = settings.EffectiveGpuCount;
        if (gpus > 0 && options.Gpus == DockerGpuPolicy.Require)
        {
            var info = await _engine!.Client.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
            if (info.Runtimes is null || !info.Runtimes.ContainsKey("nvidia"))
            {
                throw new DockerEngineException(
                    $"Step '{launch.InvocationId}' asks for {gpus} GPU(s) ({settings.ModalGpu}), but the Docker engine at {_engine.Endpoint} has no GPU runtime " +
                    $"(runtimes: {string.Join(", ", info.Runtimes?.Keys ?? Array.Empty<string>())}). Install the NVIDIA Container Toolkit, " +
                    $"run on a stack with GPUs, or run without them (GPU policy 'ignore'): {options.IgnoreGpusFix}.");
            }

            host.DeviceRequests = new List<DeviceRequest>
            {
                new() { Driver = "nvidia", Count = gpus, Capabilities = new List<IList<string>> { new List<string> { "gpu" } } },
            };
        }

        foreach (var mount in MountsFor(launch))
        {
            host.Binds.Add($"{mount}:{mount}");
        }

        return new CreateContainerParameters
        {
            Image = _image!.Reference,
            Cmd = launch.EntrypointArguments.ToList(),
            Env = launch.Environment.Select(pair => $"{pair.Key}={pair.Value}").ToList(),
            User = CurrentUser() ?? string.Empty,
            Labels = new Dictionary<string, string>
            {
                ["io.stepoperator.run-id"] = launch.RunId,
                ["io.stepoperator.step"] = launch.Step.Name,
                ["io.stepoperator.invocation"] = launch.InvocationId,
            },
            HostConfig = host,
        };
    }

    /// <summary>A local artifact store is mounted at the same path, so its file:// location works inside.</summary>
    private static IEnumerable<string> MountsFor(StepLaunch launch)
    {
        var store = launch.EntrypointArguments.SkipWhile(a => a != "--store").Skip(1).FirstOrDefault();
        if (store is not null && Uri.TryCreate(store, UriKind.Absolute, out var uri) && uri.IsFile)
        {
            yield return Path.TrimEndingDirectorySeparator(uri.LocalPath);
        }
    }

    private static async Task FollowLogsAsync(DockerClient client, string id, IStepOutputSink sink, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = await client.Containers.GetContainerLogsAsync(id,
                new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[8192];
            var output = new StepOutputLines(sink, isError: false);
            var errors = new StepOutputLines(sink, isError: true);
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF)
                {
                    break;
                }

                (read.Target == MultiplexedStream.TargetStream.StandardError ? errors : output).Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
            }

            output.Flush();
            errors.Flush();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or DockerContainerNotFoundException)
        {
            // The container is gone or the run was cancelled; the exit status tells the rest.
        }
    }

    private static async Task<StepExit> WaitAsync(DockerClient client, string id, int timeoutSeconds, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var reason = StepExitReason.Exited;
        try
        {
            await client.Containers.WaitContainerAsync(id, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = cancellationToken.IsCancellationRequested ? StepExitReason.Cancelled : StepExitReason.TimedOut;
            try
            {
                await client.Containers.KillContainerAsync(id, new ContainerKillParameters(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (DockerApiException)
            {
                // Already stopped.
            }

            await client.Containers.WaitContainerAsync(id, CancellationToken.None).ConfigureAwait(false);
        }

        var state = (await client.Containers.InspectContainerAsync(id, CancellationToken.None).ConfigureAwait(false)).State;
        if (reason == StepExitReason.Exited && state?.OOMKilled == true)
        {
            reason = StepExitReason.OutOfMemory;
        }

        return new StepExit((int)(state?.ExitCode ?? -1), reason);
    }

    /// <summary>Removes the containers a killed orchestrator left behind for this run (by their run-id label).</summary>
    public async Task CleanUpRunAsync(string runId, CancellationToken cancellationToken)
    {
        _engine ??= await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var left = await _engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"io.stepoperator.run-id={runId}"] = true },
            },
        }, cancellationToken).ConfigureAwait(false);
        foreach (var container in left)
        {
            await RemoveAsync(_engine.Client, container.ID).ConfigureAwait(false);
        }
    }

    private static async Task RemoveAsync(DockerClient client, string id)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
    }

    private static bool IsMissingGpuRuntime(string message) =>
        message.Contains("could not select device driver", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("nvidia", StringComparison.OrdinalIgnoreCase);

    private static string? CurrentUser() =>
        OperatingSystem.IsWindows() ? null : $"{NativeMethods.getuid()}:{NativeMethods.getgid()}";

    public ValueTask DisposeAsync()
    {
        _engine?.Dispose();
        _prepareGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private static class NativeMethods
    {
#pragma warning disable SA1300, CA5392
        [DllImport("libc", SetLastError = false)]
        public static extern uint getuid();

        [DllImport("libc", SetLastError = false)]
        public static extern uint getgid();
#pragma warning restore SA1300, CA5392
    }
}
