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

/// <summary>The emulator's sandboxes by id, each run by the supervisor from the moment it is created.</summary>
internal sealed class SandboxRegistry(SandboxSupervisor supervisor)
{
    private readonly ConcurrentDictionary<string, SandboxRun> _runs = new(StringComparer.Ordinal);

    public SandboxSupervisor Supervisor { get; } = supervisor;

    public IReadOnlyList<SandboxRun> All => _runs.Values.OrderBy(r => r.CreatedAt).ToArray();

    public SandboxRun Start(string appId, SandboxSpec spec)
    {
        var run = new SandboxRun(Ids.New(Ids.Sandbox), appId, spec);
        _runs[run.Id] = run;
        _ = Task.Run(() => Supervisor.RunAsync(run), CancellationToken.None);
        return run;
    }

    /// <summary>The sandbox, or NOT_FOUND.</summary>
    public SandboxRun Get(string sandboxId) =>
        _runs.TryGetValue(sandboxId, out var run) ? run : throw new RpcException(new Status(StatusCode.NotFound, $"Sandbox '{sandboxId}' not found."));

    public async Task KillAsync(string sandboxId, SandboxKill kill, CancellationToken cancellationToken)
    {
        var run = _runs.TryGetValue(sandboxId, out var found) ? found : throw new ArgumentException($"No sandbox '{sandboxId}' in this emulator.", nameof(sandboxId));
        var result = kill switch
        {
            SandboxKill.MemoryEviction => SandboxResults.Evicted("Sandbox was evicted by the memory manager (injected fault)."),
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
