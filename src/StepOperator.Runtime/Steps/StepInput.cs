using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator;

/// <summary>
/// A step argument in a pipeline: either a value (stored as an input artifact when the step
/// starts) or the output of an earlier step (passed by reference). Converts implicitly from both.
/// </summary>
public readonly struct StepInput<T>
{
    private readonly T? _value;
    private readonly StepOutput<T>? _output;

    private StepInput(T value)
    {
        _value = value;
        _output = null;
    }

    private StepInput(StepOutput<T> output)
    {
        _value = default;
        _output = output ?? throw new ArgumentNullException(nameof(output));
    }

    /// <summary>An input from a value, for types with no implicit conversion (interfaces).</summary>
    public static StepInput<T> Of(T value) => new(value);

    public static implicit operator StepInput<T>(T value) => new(value);

    public static implicit operator StepInput<T>(StepOutput<T> output) => new(output);

    /// <summary>Binds this input to a parameter of the step being submitted.</summary>
    public StepArgument Bind(string parameter) =>
        _output is not null
            ? StepArgument.FromOutput(parameter, typeof(T), _output)
            : StepArgument.FromValue(parameter, typeof(T), Serialize);

    private Task Serialize(Stream target, string owner, CancellationToken cancellationToken) =>
        Artifacts.ArtifactSerializer.SerializeAsync(target, _value, owner, cancellationToken);
}
