using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StepOperator.Stacks;

namespace StepOperator.Local;

/// <summary>
/// Keeps one step process of the program started and waiting (on standby) for the next step call, so a call does
/// not wait for a runtime to start: each process takes one call, and the next one is started as it does.
/// </summary>
internal sealed class StandbyStepProcesses(IReadOnlyList<string> command) : IAsyncDisposable
{
    private readonly object _gate = new();
    private StepChildProcess? _ready;
    private bool _disposed;

    /// <summary>Starts a standby process unless one is ready (or the run is over).</summary>
    public void KeepOneReady()
    {
        lock (_gate)
        {
            if (_ready is null && !_disposed)
            {
                _ready = StepChildProcess.StartStandby(command);
            }
        }
    }

    /// <summary>
    /// Hands <paramref name="launch"/> to the ready process (one that has ended since is replaced by a new one), then
    /// starts the next; the caller waits for and disposes the process returned.
    /// </summary>
    public StepChildProcess Dispatch(StepLaunch launch)
    {
        StepChildProcess? ready;
        lock (_gate)
        {
            ready = _ready;
            _ready = null;
        }

        if (ready is null || !ready.TryDispatch(launch))
        {
            ready?.Dispose();
            ready = StepChildProcess.StartStandby(command);
            if (!ready.TryDispatch(launch))
            {
                // It ended as it started: its exit code and output say why, as the call's own.
                ready.SendOutputTo(launch.Output);
            }
        }

        KeepOneReady();
        return ready;
    }

    /// <summary>Ends the unused standby process (it has run nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        StepChildProcess? unused;
        lock (_gate)
        {
            _disposed = true;
            unused = _ready;
            _ready = null;
        }

        if (unused is not null)
        {
            await unused.StopStandbyAsync().ConfigureAwait(false);
            unused.Dispose();
        }
    }
}
