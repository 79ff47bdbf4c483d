// Generated entrypoints call these helpers instead of each having an async method of their own: one
// helper per number of inputs and return shape, each with its own name, so the compiler binds a call
// to one without choosing among overloads. The helpers themselves are in StepEntrypoints.Shapes.cs,
// written by StepEntrypoints.Shapes.py for 0..8 inputs; a step with more inputs gets an entrypoint
// method of its own (see StepOperator.Generators' RegistrationEmitter).
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator;

/// <summary>
/// What generated code registers steps with and runs them through: each helper reads the step's inputs
/// with <see cref="StepInvocation.ReadInputAsync{T}"/> in order, calls the step (passing the cancellation
/// token when its delegate takes one), awaits what it returns and writes its output with
/// <see cref="StepInvocation.WriteOutputAsync{T}"/>. Helper names tell the step's return shape
/// (<c>Void</c>, <c>Task</c>, <c>ValueTask</c>, <c>Result</c> = T, <c>TaskResult</c> = Task&lt;T&gt;,
/// <c>ValueTaskResult</c> = ValueTask&lt;T&gt;), its number of inputs, and <c>C</c> when it takes a
/// <see cref="CancellationToken"/> last.
/// </summary>
public static partial class StepEntrypoints
{
    /// <summary>Registers a <c>[ModalStep]</c>; its parameters and output type come from its entrypoint.</summary>
    public static void Modal(string name, string method, StepSettings settings, StepEntrypoint entrypoint) =>
        Register(name, StepPlacement.Modal, method, settings, entrypoint);

    /// <summary>Registers a <c>[Step]</c>; its parameters and output type come from its entrypoint.</summary>
    public static void Orchestrator(string name, string method, StepSettings settings, StepEntrypoint entrypoint) =>
        Register(name, StepPlacement.Orchestrator, method, settings, entrypoint);

    /// <summary>
    /// For an entrypoint written out in full: true (and nothing else to do) when <paramref name="invocation"/>
    /// only asks what the step takes and returns, which this records.
    /// </summary>
    public static bool Describes(StepInvocation invocation, Type? outputType, params StepParameter[] parameters)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(parameters);
        if (invocation.Description is not { } description)
        {
            return false;
        }

        description.Parameters.AddRange(parameters);
        description.OutputType = outputType;
        return true;
    }

    // The entrypoint describes the step's inputs and output only when they are first asked for: a step
    // process, which needs none of them, does not run every step's description at start-up.
    private static void Register(string name, StepPlacement placement, string method, StepSettings settings, StepEntrypoint entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        StepCatalog.Register(new StepDefinition(name, placement, method, settings)
        {
            Description = new Lazy<StepDescription>(() => Describe(name, entrypoint)),
            Entrypoint = entrypoint,
        });
    }

    private static StepDescription Describe(string name, StepEntrypoint entrypoint)
    {
        var description = new StepDescription();
        var described = entrypoint(new StepInvocation(description), CancellationToken.None);
        if (!described.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException($"The entrypoint of step '{name}' does not describe its inputs; rebuild the program so the generator writes it again.");
        }

        return description;
    }

    /// <summary>The output of a step that returns none.</summary>
    private readonly struct None;
}

/// <summary>What a step takes and returns, as its entrypoint describes it when asked.</summary>
internal sealed class StepDescription
{
    public List<StepParameter> Parameters { get; } = new();

    public Type? OutputType { get; set; }
}
