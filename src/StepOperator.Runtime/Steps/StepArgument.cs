using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator;

/// <summary>One argument of a step submission: a value to store, or an earlier step's output.</summary>
public sealed class StepArgument
{
    private StepArgument(string parameter, Type type, StepOutput? output, Func<Stream, string, CancellationToken, Task>? serialize)
    {
        Parameter = parameter;
        Type = type;
        Output = output;
        Serialize = serialize;
    }

    public string Parameter { get; }

    public Type Type { get; }

    /// <summary>The earlier step whose output this is; null for a value.</summary>
    public StepOutput? Output { get; }

    /// <summary>Writes the value's artifact bytes to a stream (owner names it in errors); null for an output.</summary>
    internal Func<Stream, string, CancellationToken, Task>? Serialize { get; }

    /// <summary>True when the value is a stream, which can be read only once.</summary>
    internal bool IsOneShot => typeof(Stream).IsAssignableFrom(Type);

    internal static StepArgument FromOutput(string parameter, Type type, StepOutput output) => new(parameter, type, output, null);

    internal static StepArgument FromValue(string parameter, Type type, Func<Stream, string, CancellationToken, Task> serialize) =>
        new(parameter, type, null, serialize);
}
