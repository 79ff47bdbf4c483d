using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace StepOperator.Stacks;

/// <summary>
/// Runs one step call somewhere (a child process, a container, a Modal sandbox) by starting the
/// program's generated step entrypoint there, and reports how it ended.
/// </summary>
public interface IStepOperator
{
    /// <summary>The registered name ("local", "docker", "modal", ...).</summary>
    string Name { get; }

    /// <summary>Settings this operator cannot honour, written as the user wrote them ("Gpu = \"A100\"").</summary>
    IReadOnlyList<string> UnenforcedSettings(StepSettings settings);

    Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="failure"/>, thrown by <see cref="RunAsync"/>, is a failure of this operator's backend
    /// that another attempt may not meet (a lost connection, a service briefly unavailable): the call then ends as a
    /// backend failure, which a step's retry policy retries. Each backend knows its own; a lost connection is one everywhere.
    /// </summary>
    bool IsTransientFailure(Exception failure) => TransientFailures.IsConnectionFailure(failure);

    /// <summary>
    /// Gets ready for a run (connect, build or reuse the image) before any step starts. What it does is reported to
    /// <paramref name="log"/>, the run's console in a run, for the whole run (information as it goes, problems as warnings).
    /// </summary>
    Task PrepareAsync(ILogger log, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The resources a step gets here, written as this operator applies or sends them.</summary>
    string DescribeResources(StepSettings settings) => "those of the machine (no limits)";

    /// <summary>The image steps would run from and what a run would do to have it; null when this operator needs none.</summary>
    Task<ImagePlan?> PlanImageAsync(CancellationToken cancellationToken) => Task.FromResult<ImagePlan?>(null);

    /// <summary>
    /// Stops whatever an interrupted earlier attempt of run <paramref name="runId"/> left running here
    /// (containers of a killed orchestrator), before the run is resumed.
    /// </summary>
    Task CleanUpRunAsync(string runId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>What running a step here costs per hour, in US dollars, when the backend bills by resources; null otherwise.</summary>
    decimal? EstimateHourlyCost(StepSettings settings) => null;

    /// <summary>Whose prices <see cref="EstimateHourlyCost"/> uses, of when, and what they bill ("Modal prices of 2026-11-26, ..."); null when it prices nothing.</summary>
    string? CostBasis => null;
}

/// <summary>Everything an operator needs to start one step call.</summary>
/// <param name="Step">The step.</param>
/// <param name="RunId">The run.</param>
/// <param name="InvocationId">This call's id within the run.</param>
/// <param name="EntrypointArguments">The program arguments that select the step entrypoint.</param>
/// <param name="Environment">Variables the step process gets at start.</param>
/// <param name="Output">Receives each line the step prints (stdout and stderr).</param>
public sealed record StepLaunch(
    StepDefinition Step,
    string RunId,
    string InvocationId,
    IReadOnlyList<string> EntrypointArguments,
    IReadOnlyDictionary<string, string> Environment,
    IStepOutputSink Output)
{
    /// <summary>
    /// Told the call's handle on its backend (a Modal sandbox) the moment the backend names it, and again as its logs
    /// advance. The run records it in run.json before the returned task completes, so a resumed run finds the call.
    /// </summary>
    public Func<BackendCall, Task>? Track { get; init; }

    /// <summary>
    /// Set when a resumed run continues a call its interrupted run had started, with the same code, settings and
    /// inputs: the operator reattaches to what still runs (or has finished) instead of starting it again. Null for a
    /// call that must start afresh; an operator then stops whatever the interrupted run left for it.
    /// </summary>
    public ResumedCall? Resumed { get; init; }
}

/// <summary>
/// A step call's handle on its backend, as run.json keeps it: <paramref name="Kind"/> names the backend
/// ("modal-sandbox"), <paramref name="Id"/> the call there (the sandbox id).
/// </summary>
public sealed record BackendCall(string Kind, string Id)
{
    /// <summary>Where each log stream of the call got to ("stdout", "stderr" → the backend's position in it).</summary>
    public IReadOnlyDictionary<string, string>? LogPositions { get; init; }
}

/// <summary>What an interrupted run knew of a call it had started: its backend handle, when it was recorded in time.</summary>
public sealed record ResumedCall(BackendCall? Known);

/// <summary>Receives a step's output lines as they are printed.</summary>
public interface IStepOutputSink
{
    void Line(string text, bool isError);
}

public enum StepExitReason
{
    /// <summary>The step process ended by itself; see the exit code.</summary>
    Exited,

    /// <summary>The step ran past its Timeout and was stopped.</summary>
    TimedOut,

    /// <summary>The run was cancelled (Ctrl-C) and the step was stopped.</summary>
    Cancelled,

    /// <summary>The step was killed for using more memory than its limit.</summary>
    OutOfMemory,

    /// <summary>
    /// The backend failed, not the step: a sandbox that could not start, was preempted or ended by the
    /// platform, a lost connection. <see cref="StepExit.Detail"/> says what; a retry policy retries it.
    /// </summary>
    BackendFailure,
}

/// <summary>How a step call ended.</summary>
public sealed record StepExit(int ExitCode, StepExitReason Reason, int? ProcessId = null)
{
    /// <summary>Resource limits as the backend applied them (read back from it), when it enforces any.</summary>
    public IReadOnlyDictionary<string, long>? AppliedLimits { get; init; }

    /// <summary>What the backend said about the end, when the exit code alone does not tell it (e.g. a sandbox that failed to start).</summary>
    public string? Detail { get; init; }
}
