using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Execution;

namespace StepOperator;

/// <summary>
/// One call of a step, inside the step's own process (child process or container). Generated
/// entrypoints use it to load inputs and store the output.
/// </summary>
public sealed class StepInvocation : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _openInputs = new();

    internal StepInvocation(IArtifactStore store, InvocationRecord record)
    {
        Store = store;
        Record = record;
    }

    /// <summary>An invocation that only asks a generated entrypoint what its step takes and returns (see <see cref="StepEntrypoints"/>).</summary>
    internal StepInvocation(StepDescription description)
    {
        Description = description;
        Store = null!;
        Record = null!;
    }

    public string RunId => Record.RunId;

    public string StepName => Record.Step;

    internal IArtifactStore Store { get; }

    internal InvocationRecord Record { get; }

    /// <summary>Set when this invocation only collects the step's description: the entrypoint records and returns.</summary>
    internal StepDescription? Description { get; }

    public async Task<T> ReadInputAsync<T>(string parameter, CancellationToken cancellationToken)
    {
        if (!Record.Inputs.TryGetValue(parameter, out var reference))
        {
            throw new InvalidOperationException($"Step '{StepName}' was started without its input '{parameter}'.");
        }

        var value = await ArtifactSerializer.ReadAsync<T>(Store, ArtifactKey.Parse(reference.Key), $"Step '{StepName}', input '{parameter}'", cancellationToken)
            .ConfigureAwait(false);
        if (value is Stream stream)
        {
            _openInputs.Add(stream);
        }

        return value;
    }

    public Task WriteOutputAsync<T>(T value, CancellationToken cancellationToken)
    {
        if (Record.Output is not { } output)
        {
            throw new InvalidOperationException($"Step '{StepName}' produced an output, but its invocation has nowhere to store it.");
        }

        return ArtifactSerializer.WriteAsync(Store, ArtifactKey.Parse(output.Key), value, $"Step '{StepName}' output", cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var input in _openInputs)
        {
            await input.DisposeAsync().ConfigureAwait(false);
        }

        _openInputs.Clear();
    }
}
