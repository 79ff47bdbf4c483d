using System;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>Which of Modal's sandbox backends a sandbox belongs to: SandboxCreate makes V1 ones, SandboxCreateV2 V2 ones.</summary>
public enum SandboxVersion
{
    V1 = 1,
    V2 = 2,
}

/// <summary>
/// One sandbox ("sb-..."): its spec, its output, its task, and its result once it has ended. A V1
/// sandbox gets its task when its container runs; a V2 sandbox has it from its creation on
/// (SandboxCreateV2 answers with it). A deliberate kill (terminate, timeout, injected fault) decides
/// the result it ends with; the first kill wins, and none counts after the container has exited.
/// </summary>
internal sealed class SandboxRun(string id, string appId, string environment, SandboxSpec spec, SandboxVersion version, DateTimeOffset createdAt)
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _killRequested = new();
    private GenericResult? _kill;
    private GenericResult? _result;
    private bool _exited;

    public string Id { get; } = id;

    public string AppId { get; } = appId;

    /// <summary>The environment of the sandbox's app.</summary>
    public string Environment { get; } = environment;

    public SandboxSpec Spec { get; } = spec;

    public SandboxVersion Version { get; } = version;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>When its container started, once it has.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>When it got its result, once it has.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    public LogJournal Logs { get; } = new();

    /// <summary>Pulsed when the task id or the result is set.</summary>
    public ChangeSignal Changed { get; } = new();

    /// <summary>Completes when the sandbox has its result (its container is gone by then).</summary>
    public Task Finished => _finished.Task;

    /// <summary>Cancelled when a kill was requested, so a sandbox still waiting for its image stops waiting.</summary>
    public CancellationToken KillRequested => _killRequested.Token;

    public string? TaskId { get; private set; } = version == SandboxVersion.V2 ? Ids.NewV2(Ids.Task) : null;

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
                return ContainerId is not null && _result is null;
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
            StartedAt = DateTimeOffset.UtcNow;
            TaskId ??= Ids.NewV1Task();
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
            FinishedAt = DateTimeOffset.UtcNow;
        }

        Logs.Complete();
        Changed.Pulse();
        _finished.TrySetResult();
    }
}
