using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using StepOperator.Artifacts;

namespace StepOperator.Runs;

[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
internal enum RunStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
internal enum StepStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    Skipped,

    /// <summary>Not run: an earlier output with the same code, settings and inputs was reused.</summary>
    Cached,
}

/// <summary>Why a step call did not succeed, in the words a report uses.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FailureKind>))]
internal enum FailureKind
{
    /// <summary>The step threw an exception (its type and message are in the error).</summary>
    Exception,

    /// <summary>The step's process exited with a non-zero code and no exception report.</summary>
    ExitCode,

    /// <summary>Killed for using more memory than its limit.</summary>
    OutOfMemory,

    /// <summary>Ran past its Timeout.</summary>
    Timeout,

    /// <summary>Stopped from outside: the run was cancelled, or another step failed first.</summary>
    Terminated,

    /// <summary>The backend failed (a sandbox that could not start, was preempted, a lost connection).</summary>
    Backend,

    /// <summary>Not started, because a step it depends on did not succeed.</summary>
    DependencyFailed,

    /// <summary>The orchestrator could not prepare or record the call (artifact store, serialization).</summary>
    Orchestration,
}

/// <summary>Whether a step call reused an earlier output, and if not, why.</summary>
/// <param name="Hit">True when the earlier output was reused and the step did not run.</param>
/// <param name="Reason">Why: "cached from run X", "code changed", "input 'data' changed", "settings changed", "disabled (--no-cache)", ...</param>
/// <param name="Key">The cache key of the call (code, settings and inputs), when one was computed.</param>
internal sealed record CacheDecision(bool Hit, string Reason, string? Key = null)
{
    /// <summary>The run whose output was reused, on a hit.</summary>
    public string? SourceRun { get; init; }
}

/// <summary>One attempt of a step call (a call that is retried has several).</summary>
internal sealed class AttemptRecord
{
    public required int Number { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int? ExitCode { get; set; }

    /// <summary>Null when the attempt succeeded.</summary>
    public FailureKind? Failure { get; set; }

    public string? Error { get; set; }

    /// <summary>True when another attempt followed this one.</summary>
    public bool Retried { get; set; }

    /// <summary>Where the attempt runs on its backend (a Modal sandbox id and how far its logs were read), recorded as soon as it exists.</summary>
    public Stacks.BackendCall? Backend { get; set; }
}

/// <summary>One call of a step in a run, as recorded in run.json.</summary>
internal sealed class StepRecord
{
    public required string InvocationId { get; init; }

    public required string Step { get; init; }

    public required StepPlacement Placement { get; init; }

    public string? StepOperator { get; set; }

    public StepStatus Status { get; set; } = StepStatus.Pending;

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public double? DurationSeconds => StartedAt is { } start && FinishedAt is { } end ? (end - start).TotalSeconds : null;

    public int? ProcessId { get; set; }

    public int? ExitCode { get; set; }

    /// <summary>Resource limits as the step operator applied them (for example a container's CPU and memory).</summary>
    public Dictionary<string, long>? AppliedLimits { get; set; }

    public string? Error { get; set; }

    public Dictionary<string, ArtifactRef> Inputs { get; init; } = new(StringComparer.Ordinal);

    public ArtifactRef? Output { get; set; }

    /// <summary>Whether the call reused an earlier output, and why not when it ran.</summary>
    public CacheDecision? Cache { get; set; }

    /// <summary>Every attempt, in order (empty for calls that were cached, skipped or never started).</summary>
    public List<AttemptRecord> Attempts { get; init; } = new();

    /// <summary>Why the call did not succeed; null when it succeeded or was cached.</summary>
    public FailureKind? Failure { get; set; }

    /// <summary>The last lines the step printed (at most 20), kept when it fails.</summary>
    public List<string>? LastLines { get; set; }
}

/// <summary>A pipeline run, as recorded in &lt;run directory&gt;/run.json.</summary>
internal sealed class RunRecord
{
    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required string Stack { get; init; }

    public required string ArtifactStore { get; init; }

    public RunStatus Status { get; set; } = RunStatus.Running;

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string? Error { get; set; }

    /// <summary>The step call that failed first (the cause when several did not succeed).</summary>
    public string? FailedFirst { get; set; }

    /// <summary>How many times the run was resumed after an interruption (dotnet run -- resume).</summary>
    public int Resumed { get; init; }

    /// <summary>False when the run was started with --no-cache.</summary>
    public bool CacheEnabled { get; init; } = true;

    /// <summary>At most this many step calls ran at once; null for no limit.</summary>
    public int? MaxParallelSteps { get; init; }

    /// <summary>The run report written beside run.json (report.md), once the run has ended.</summary>
    public string? Report { get; set; }

    public List<StepRecord> Steps { get; init; } = new();

    /// <summary>Reads a run.json file.</summary>
    public static RunRecord Load(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), RunRecordJson.Default.RunRecord)
        ?? throw new InvalidDataException($"{path} holds no run record.");
}
