using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using StepOperator.Artifacts;

namespace StepOperator.Runs;

[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
public enum StepStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    Skipped,
}

/// <summary>One call of a step in a run, as recorded in run.json.</summary>
public sealed class StepRecord
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
}

/// <summary>A pipeline run, as recorded in &lt;run directory&gt;/run.json.</summary>
public sealed class RunRecord
{
    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required string Stack { get; init; }

    public required string ArtifactStore { get; init; }

    public RunStatus Status { get; set; } = RunStatus.Running;

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string? Error { get; set; }

    public List<StepRecord> Steps { get; init; } = new();

    /// <summary>Reads a run.json file.</summary>
    public static RunRecord Load(string path) =>
        System.Text.Json.JsonSerializer.Deserialize<RunRecord>(System.IO.File.ReadAllText(path), RunRecorder.Options)
        ?? throw new System.IO.InvalidDataException($"{path} holds no run record.");
}
