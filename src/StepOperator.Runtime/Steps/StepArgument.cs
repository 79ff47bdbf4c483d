using System;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;

namespace StepOperator;

/// <summary>One argument of a step submission: a value to store, or an earlier step's output.</summary>
public sealed class StepArgument
{
    private StepArgument(string parameter, Type type, StepOutput? output, Func<IArtifactStore, ArtifactKey, string, CancellationToken, Task>? writeValue)
    {
        Parameter = parameter;
        Type = type;
        Output = output;
        WriteValue = writeValue;
    }

    public string Parameter { get; }

    public Type Type { get; }

    /// <summary>The earlier step whose output this is; null for a value.</summary>
    public StepOutput? Output { get; }

    internal Func<IArtifactStore, ArtifactKey, string, CancellationToken, Task>? WriteValue { get; }

    internal static StepArgument FromOutput(string parameter, Type type, StepOutput output) => new(parameter, type, output, null);

    internal static StepArgument FromValue(string parameter, Type type, Func<IArtifactStore, ArtifactKey, string, CancellationToken, Task> write) =>
        new(parameter, type, null, write);
}
