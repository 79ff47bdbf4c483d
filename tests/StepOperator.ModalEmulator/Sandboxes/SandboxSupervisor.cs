using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// Runs each sandbox as a Docker container of its image: host network (so steps reach services on
/// 127.0.0.1), the CPU and memory reservations and limits as Modal has them (requests reserve: CPU
/// shares and a memory reservation; hard caps only from milli_cpu_max / memory_mb_max; CPU otherwise
/// capped at Modal's soft limit above the request, at most the machine), the secrets' environment, entrypoint_args as the command
/// after the image's entrypoint. Output is kept in the sandbox's journal, so the container is
/// removed as soon as it has exited and its output has been read from it; the result is set after
/// that, so a sandbox with a result has no container left.
/// </summary>
internal sealed class SandboxSupervisor(DockerClient docker, string instanceId, Action<string> log, Func<TimeSpan> schedulingDelay, CancellationToken stopping)
{
    /// <summary>How long the output of an exited container may still take to arrive.</summary>
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(5);

    private long _machineMilliCpu;

    public async Task RunAsync(SandboxRun run)
    {
        string? containerId = null;
        GenericResult result;
        try
        {
            result = await RunContainerAsync(run, created => containerId = created).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            result = SandboxResults.Terminated("The Modal emulator stopped.");
        }
        catch (Exception e)
        {
            var why = $"The Modal emulator could not run the sandbox: {DockerErrors.Describe(e)}";
            run.Logs.Append(FileDescriptor.Stderr, why + "\n");
            result = containerId is null ? SandboxResults.InitFailure(why) : SandboxResults.InternalFailure(why);
        }

        if (containerId is not null)
        {
            await RemoveContainerAsync(containerId).ConfigureAwait(false);
        }

        run.Finish(result);
        log($"sandbox {run.Id}: {result.Status} (exit code {result.Exitcode})");
    }

    /// <summary>Ends the sandbox with <paramref name="result"/> (if nothing ended it first) and kills its container.</summary>
    public async Task KillAsync(SandboxRun run, GenericResult result)
    {
        if (run.RequestKill(result) is { } containerId)
        {
            await KillContainerAsync(containerId).ConfigureAwait(false);
        }
    }

    /// <summary>Removes every container this emulator made that is still there.</summary>
    public async Task RemoveLeftoversAsync()
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ModalEmulator.InstanceLabel}={instanceId}"] = true },
            },
        }, CancellationToken.None).ConfigureAwait(false);
        foreach (var container in containers)
        {
            await RemoveContainerAsync(container.ID).ConfigureAwait(false);
        }
    }

    private async Task<GenericResult> RunContainerAsync(SandboxRun run, Action<string> created)
    {
        var image = run.Spec.Image;
        using (var waitForImage = CancellationTokenSource.CreateLinkedTokenSource(run.KillRequested, stopping))
        {
            try
            {
                await image.Finished.WaitAsync(waitForImage.Token).ConfigureAwait(false);
                if (schedulingDelay() is { } held && held > TimeSpan.Zero)
                {
                    await Task.Delay(held, waitForImage.Token).ConfigureAwait(false); // waiting for capacity
                }
            }
            catch (OperationCanceledException) when (run.KillRequested.IsCancellationRequested)
            {
                // Killed before it was scheduled: the kill's result, no container.
            }
        }

        if (run.PendingKill is { } early)
        {
            return early;
        }

        if (image.FailureReason is { } reason)
        {
            return SandboxResults.InitFailure($"Image {image.Id} failed to build: {reason}");
        }

        var container = await docker.Containers.CreateContainerAsync(Parameters(run, await MachineMilliCpuAsync().ConfigureAwait(false)), stopping).ConfigureAwait(false);
        created(container.ID);

        // Attached before the start, so not even the first byte of output is missed.
        using var output = await docker.Containers.AttachContainerAsync(container.ID,
            new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, stopping).ConfigureAwait(false);
        try
        {
            await docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), stopping).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            // E.g. the command does not exist in the image; 127/126 as a shell would say.
            var why = DockerErrors.Describe(e);
            run.Logs.Append(FileDescriptor.Stderr, why + "\n");
            var shellCode = why.Contains("permission denied", StringComparison.OrdinalIgnoreCase) ? 126 : 127;
            return SandboxResults.InitFailure($"Could not start the sandbox's command: {why}", shellCode);
        }

        if (run.MarkStarted(container.ID) is not null)
        {
            await KillContainerAsync(container.ID).ConfigureAwait(false);
        }

        log($"sandbox {run.Id}: running as container {container.ID[..12]} (task {run.TaskId})");
        var pump = PumpOutputAsync(output, run);
        var timeoutSeconds = (int)run.Spec.Timeout.TotalSeconds;
        using (var timeout = new CancellationTokenSource(run.Spec.Timeout))
        using (timeout.Token.Register(() => _ = KillAsync(run, SandboxResults.TimedOut(timeoutSeconds))))
        {
            await docker.Containers.WaitContainerAsync(container.ID, stopping).ConfigureAwait(false);
        }

        var kill = run.MarkExited();
        var state = (await docker.Containers.InspectContainerAsync(container.ID, stopping).ConfigureAwait(false)).State;
        try
        {
            await pump.WaitAsync(OutputDrainLimit, stopping).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            run.Logs.Append(FileDescriptor.Info, "(the container's output did not end; the rest is lost)\n");
        }

        var exitCode = (int)(state?.ExitCode ?? -1);
        // Over its own limit: the program's failure. Out of memory without a limit of its own: the machine (the
        // worker) ran out, which is what Modal's memory manager evicts a sandbox for.
        var result = kill
            ?? (state?.OOMKilled == true
                ? run.Spec.MemoryMbMax > 0
                    ? SandboxResults.OverMemoryLimit(run.Spec.MemoryMbMax)
                    : SandboxResults.Evicted("Sandbox was evicted by the memory manager: its worker ran out of memory.")
                : SandboxResults.Exited(exitCode));
        result.Exitcode = exitCode;
        return result;
    }

    /// <summary>The engine's CPUs in milli-cores (Docker refuses a CPU cap above them); asked once.</summary>
    private async Task<long> MachineMilliCpuAsync()
    {
        if (Interlocked.Read(ref _machineMilliCpu) is > 0 and var known)
        {
            return known;
        }

        var info = await docker.System.GetSystemInfoAsync(stopping).ConfigureAwait(false);
        var milli = (info.NCPU > 0 ? info.NCPU : Environment.ProcessorCount) * 1000L;
        Interlocked.Exchange(ref _machineMilliCpu, milli);
        return milli;
    }

    private CreateContainerParameters Parameters(SandboxRun run, long machineMilliCpu)
    {
        var spec = run.Spec;
        var labels = new Dictionary<string, string>
        {
            [ModalEmulator.InstanceLabel] = instanceId,
            [ModalEmulator.SandboxLabel] = run.Id,
        };
        if (spec.GpuType is not null)
        {
            labels[ModalEmulator.GpuLabel] = $"{spec.GpuType}:{spec.GpuCount}";
        }

        var parameters = new CreateContainerParameters
        {
            Name = "modal-emulator-" + run.Id,
            Image = spec.Image.DockerImageId ?? spec.Image.Reference.Reference,
            Env = spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            WorkingDir = spec.WorkingDir ?? string.Empty,
            Labels = labels,
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            OpenStdin = false,
            HostConfig = new HostConfig
            {
                NetworkMode = "host",
                NanoCPUs = spec.CpuLimitMilli(machineMilliCpu) * 1_000_000L,
                CPUShares = spec.CpuShares,
                Memory = spec.MemoryLimitBytes, // 0: no cap, the request only reserves
                MemorySwap = spec.MemoryLimitBytes, // no swap beyond a limit: the limit is the limit
                MemoryReservation = spec.MemoryLimitBytes == 0 || spec.MemoryReservationBytes <= spec.MemoryLimitBytes ? spec.MemoryReservationBytes : 0,
            },
        };

        if (spec.Command.Count > 0)
        {
            parameters.Cmd = spec.Command.ToList();
        }
        else
        {
            // Without a command a Modal sandbox stays up until it times out or is terminated.
            parameters.Entrypoint = ["sleep"];
            parameters.Cmd = ["infinity"];
        }

        return parameters;
    }

    /// <summary>Copies the container's stdout and stderr into the journal as they come, until the stream ends.</summary>
    private async Task PumpOutputAsync(MultiplexedStream output, SandboxRun run)
    {
        var buffer = new byte[16 * 1024];
        var stdout = Encoding.UTF8.GetDecoder();
        var stderr = Encoding.UTF8.GetDecoder();
        try
        {
            while (true)
            {
                var read = await output.ReadOutputAsync(buffer, 0, buffer.Length, stopping).ConfigureAwait(false);
                if (read.EOF)
                {
                    break;
                }

                var toStderr = read.Target == MultiplexedStream.TargetStream.StandardError;
                Append(run, toStderr ? stderr : stdout, toStderr ? FileDescriptor.Stderr : FileDescriptor.Stdout, buffer, read.Count, flush: false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The container is gone or the emulator stops; what was read is kept.
        }

        Append(run, stdout, FileDescriptor.Stdout, buffer, 0, flush: true);
        Append(run, stderr, FileDescriptor.Stderr, buffer, 0, flush: true);
    }

    private static void Append(SandboxRun run, Decoder decoder, FileDescriptor fileDescriptor, byte[] bytes, int count, bool flush)
    {
        // A decoder per stream keeps a UTF-8 character split across two reads whole.
        var chars = new char[Encoding.UTF8.GetMaxCharCount(count) + 4];
        var length = decoder.GetChars(bytes, 0, count, chars, 0, flush);
        if (length > 0)
        {
            run.Logs.Append(fileDescriptor, new string(chars, 0, length));
        }
    }

    private async Task KillContainerAsync(string containerId)
    {
        try
        {
            await docker.Containers.KillContainerAsync(containerId, new ContainerKillParameters { Signal = "SIGKILL" }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            // Already exited or removed.
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // Called from timers too: an unreachable engine must not become an unobserved exception.
            log($"could not kill container {containerId[..Math.Min(12, containerId.Length)]}: {e.Message}");
        }
    }

    private async Task RemoveContainerAsync(string containerId)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            log($"could not remove container {containerId[..Math.Min(12, containerId.Length)]}: {DockerErrors.Describe(e)}");
        }
    }
}
