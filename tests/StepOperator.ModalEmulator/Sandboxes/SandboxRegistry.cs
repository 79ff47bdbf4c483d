using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// The emulator's sandboxes by id, each run by the supervisor from the moment it is created. V1 RPCs
/// find only V1 sandboxes and V2 RPCs only V2 ones: the SDKs route by the id's shape, and what Modal's
/// server answers to a V1 RPC with a V2 id (or the reverse) is not documented upstream, so the emulator
/// answers NOT_FOUND naming the RPC to use.
/// </summary>
internal sealed class SandboxRegistry(SandboxSupervisor supervisor)
{
    /// <summary>The most sandboxes one SandboxList(V2) answer holds; clients page on with before_timestamp.</summary>
    public const int ListPageSize = 100;

    private readonly ConcurrentDictionary<string, SandboxRun> _runs = new(StringComparer.Ordinal);
    private readonly object _clock = new();
    private DateTimeOffset _lastCreatedAt;

    public SandboxSupervisor Supervisor { get; } = supervisor;

    public IReadOnlyList<SandboxRun> All => _runs.Values.OrderBy(r => r.CreatedAt).ToArray();

    public SandboxRun Start(string appId, string environment, SandboxSpec spec, SandboxVersion version)
    {
        var id = version == SandboxVersion.V2 ? Ids.NewV2(Ids.Sandbox) : Ids.New(Ids.Sandbox);
        var run = new SandboxRun(id, appId, environment, spec, version, NextCreatedAt());
        _runs[run.Id] = run;
        _ = Task.Run(() => Supervisor.RunAsync(run), CancellationToken.None);
        return run;
    }

    /// <summary>The sandbox, whatever its version, or NOT_FOUND.</summary>
    public SandboxRun Get(string sandboxId) =>
        _runs.TryGetValue(sandboxId, out var run) ? run : throw new RpcException(new Status(StatusCode.NotFound, $"Sandbox '{sandboxId}' not found."));

    /// <summary>
    /// The sandbox for <paramref name="rpc"/>, which serves <paramref name="version"/> sandboxes only; else
    /// NOT_FOUND naming <paramref name="counterpart"/>, what serves the other version.
    /// </summary>
    public SandboxRun Get(string sandboxId, SandboxVersion version, string rpc, string counterpart)
    {
        var run = Get(sandboxId);
        if (run.Version == version)
        {
            return run;
        }

        var made = run.Version == SandboxVersion.V2 ? "SandboxCreateV2" : "SandboxCreate";
        throw new RpcException(new Status(StatusCode.NotFound,
            $"Sandbox '{sandboxId}' not found by {rpc}: it is a {run.Version} sandbox (made by {made}); {run.Version} sandboxes are served by {counterpart}."));
    }

    /// <summary>The V2 sandbox whose task is <paramref name="taskId"/>, or null.</summary>
    public SandboxRun? FindByTask(string taskId) =>
        _runs.Values.FirstOrDefault(r => string.Equals(r.TaskId, taskId, StringComparison.Ordinal));

    /// <summary>
    /// The sandboxes a list request asks for, newest first, at most <see cref="ListPageSize"/>: of its app (or,
    /// without one, of its environment), created before before_timestamp (when set), still going unless
    /// include_finished, carrying every tag asked for; V1 ones only unless <paramref name="includeV2"/>.
    /// </summary>
    public IReadOnlyList<SandboxRun> List(StepOperator.Modal.Protocol.SandboxListRequest request, bool includeV2)
    {
        var environment = Objects.EnvironmentNames.Normalize(request.EnvironmentName);
        return _runs.Values
            .Where(r => includeV2 || r.Version == SandboxVersion.V1)
            .Where(r => request.AppId.Length > 0 ? r.AppId == request.AppId : r.Environment == environment)
            .Where(r => request.BeforeTimestamp <= 0 || UnixTime.Microseconds(r.CreatedAt) < (long)Math.Round(request.BeforeTimestamp * 1_000_000))
            .Where(r => request.IncludeFinished || r.Result is null)
            .Where(r => request.Tags.All(t => r.Spec.Tags.TryGetValue(t.TagName, out var value) && value == t.TagValue))
            .OrderByDescending(r => r.CreatedAt)
            .Take(ListPageSize)
            .ToArray();
    }

    /// <summary>Creation times one microsecond apart at least, so a page boundary (before_timestamp) never splits equal times.</summary>
    private DateTimeOffset NextCreatedAt()
    {
        lock (_clock)
        {
            var now = UnixTime.FromMicroseconds(UnixTime.Microseconds(DateTimeOffset.UtcNow));
            _lastCreatedAt = now > _lastCreatedAt ? now : _lastCreatedAt.AddTicks(10);
            return _lastCreatedAt;
        }
    }

    public async Task KillAsync(string sandboxId, SandboxKill kill, CancellationToken cancellationToken)
    {
        var run = _runs.TryGetValue(sandboxId, out var found) ? found : throw new ArgumentException($"No sandbox '{sandboxId}' in this emulator.", nameof(sandboxId));
        var result = kill switch
        {
            SandboxKill.MemoryEviction => SandboxResults.Evicted("Sandbox was evicted by the memory manager: its worker was under memory pressure (injected fault)."),
            SandboxKill.InternalFailure => SandboxResults.InternalFailure("Sandbox's worker failed (injected fault)."),
            _ => SandboxResults.Terminated("Sandbox was killed (injected fault)."),
        };
        await Supervisor.KillAsync(run, result).ConfigureAwait(false);
        await run.Finished.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Terminates every sandbox still going and waits (up to <paramref name="limit"/>) until all have ended.</summary>
    public async Task StopAllAsync(TimeSpan limit)
    {
        var runs = _runs.Values.ToArray();
        await Task.WhenAll(runs.Select(r => Supervisor.KillAsync(r, SandboxResults.Terminated("The Modal emulator stopped.")))).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(runs.Select(r => r.Finished)).WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Leftover containers are removed by label afterwards.
        }
    }
}
