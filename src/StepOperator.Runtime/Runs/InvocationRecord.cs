using System.Collections.Generic;
using StepOperator.Artifacts;

namespace StepOperator.Runs;

/// <summary>
/// What one call of a step needs in its own process: its inputs and where its output goes.
/// Stored in the artifact store beside the step's output, so a container reads it the same way.
/// </summary>
public sealed record InvocationRecord(
    string RunId,
    string Step,
    string InvocationId,
    IReadOnlyDictionary<string, ArtifactRef> Inputs,
    ArtifactRef? Output);

/// <summary>Why a step's own process failed, written by the step process for the orchestrator.</summary>
public sealed record StepErrorRecord(string ExceptionType, string Message, string? StackTrace);
