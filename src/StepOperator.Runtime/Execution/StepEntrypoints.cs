// Generated registrations bind each step through these helpers instead of each having an entrypoint method of its
// own: one helper per number of inputs and return shape, each with its own name, so the compiler binds a call to one
// without choosing among overloads, and the step method goes in as a method group (no lambda per step). The helpers
// themselves are in StepEntrypoints.Shapes.cs, written by eng/StepEntrypointShapes.cs for 0..8 inputs; a step with more
// inputs gets an entrypoint method of its own, bound with FromEntrypoint (see StepOperator.Generators' RegistrationEmitter).
using System;
using System.Threading;

namespace StepOperator.Execution;

/// <summary>
/// What generated code registers steps with and runs them through: each helper binds a step method to an
/// entrypoint (a <see cref="StepBinding"/>) that reads the step's inputs
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
    public static void Modal(string name, string method, StepSettings settings, StepBinding binding) =>
        Register(name, StepPlacement.Modal, method, settings, binding);

    /// <summary>Registers a <c>[Step]</c>; its parameters and output type come from its entrypoint.</summary>
    public static void Orchestrator(string name, string method, StepSettings settings, StepBinding binding) =>
        Register(name, StepPlacement.Orchestrator, method, settings, binding);

    /// <summary>
    /// Binds an entrypoint written out in full (a generated method that reads the inputs, calls the step and writes its
    /// output); the cache fingerprints that method, which reaches the step's code.
    /// </summary>
    public static StepBinding FromEntrypoint(StepEntrypoint entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        return new StepBinding(entrypoint, entrypoint);
    }

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
    private static void Register(string name, StepPlacement placement, string method, StepSettings settings, StepBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var entrypoint = binding.Entrypoint;
        StepCatalog.Register(new StepDefinition(name, placement, method, settings)
        {
            Description = new Lazy<StepDescription>(() => Describe(name, entrypoint)),
            Entrypoint = entrypoint,
            Code = binding.Step,
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

/// <summary>
/// A step bound for registration: the step's method, as the delegate generated code passed (the method itself, or a
/// generated lambda that calls it), and the entrypoint that runs it in a step process.
/// </summary>
public sealed class StepBinding
{
    /// <summary>Binds <paramref name="step"/> to <paramref name="entrypoint"/>.</summary>
    internal StepBinding(Delegate step, StepEntrypoint entrypoint)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(entrypoint);
        Step = step;
        Entrypoint = entrypoint;
    }

    /// <summary>The step's code: the cache fingerprints this delegate's method and what it calls in the same module.</summary>
    internal Delegate Step { get; }

    /// <summary>Runs the step in a step process (or, asked to, describes its inputs and output).</summary>
    internal StepEntrypoint Entrypoint { get; }
}
