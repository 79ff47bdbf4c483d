using System;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.ModalEmulator.Common;
using StepOperator.Stacks.Modal.Protocol;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// One sandbox ("sb-..."): its spec, its output, its task once the container runs, and its result
/// once it has ended. A deliberate kill (terminate, timeout, injected fault) decides the result it
/// ends with; the first kill wins, and none counts after the container has exited.
/// </summary>
internal sealed class SandboxRun(string id, string appId, SandboxSpec spec)
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _killRequested = new();
    private GenericResult? _kill;
    private GenericResult? _result;
    private bool _exited;

    public string Id { get; } = id;

    public string AppId { get; } = appId;

    public SandboxSpec Spec { get; } = spec;

    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    public LogJournal Logs { get; } = new();

    /// <summary>Pulsed when the task id or the result is set.</summary>
    public ChangeSignal Changed { get; } = new();

    /// <summary>Completes when the sandbox has its result (its container is gone by then).</summary>
    public Task Finished => _finished.Task;

    /// <summary>Cancelled when a kill was requested, so a sandbox still waiting for its image stops waiting.</summary>
    public CancellationToken KillRequested => _killRequested.Token;

    public string? TaskId { get; private set; }

    public string? ContainerId { get; private set; }

    public GenericResult? Result
    {
        get
        {
            lock (_gate)
            {
                return _result?.Clone();
            }
        }
    }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return TaskId is not null && _result is null;
            }
        }
    }

    /// <summary>The kill requested so far, if any.</summary>
    public GenericResult? PendingKill
    {
        get
        {
            lock (_gate)
            {
                return _kill?.Clone();
            }
        }
    }

    /// <summary>
    /// Asks for the sandbox to end with <paramref name="result"/>; answers the container to kill now
    /// (null when it has not started yet or has already exited).
    /// </summary>
    public string? RequestKill(GenericResult result)
    {
        string? container;
        lock (_gate)
        {
            if (_kill is not null || _exited || _result is not null)
            {
                return null;
            }

            _kill = result;
            container = ContainerId;
        }

        _killRequested.Cancel();
        return container;
    }

    /// <summary>The container runs: the sandbox gets its task. Answers a kill requested before it started.</summary>
    public GenericResult? MarkStarted(string containerId)
    {
        GenericResult? kill;
        lock (_gate)
        {
            ContainerId = containerId;
            TaskId = Ids.New(Ids.Task);
            kill = _kill?.Clone();
        }

        Changed.Pulse();
        return kill;
    }

    /// <summary>The container has exited: kills requested from now on change nothing. Answers the kill that ended it, if any.</summary>
    public GenericResult? MarkExited()
    {
        lock (_gate)
        {
            _exited = true;
            return _kill?.Clone();
        }
    }

    public void Finish(GenericResult result)
    {
        lock (_gate)
        {
            if (_result is not null)
            {
                return;
            }

            _result = result;
            _exited = true;
        }

        Logs.Complete();
        Changed.Pulse();
        _finished.TrySetResult();
    }
}
